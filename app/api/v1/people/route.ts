import { NextResponse } from "next/server";
import { accountLinkUrl } from "@/lib/server/account-records";
import { accountLinkBase } from "@/lib/server/account-links";
import { apiRoute } from "@/lib/server/api";
import { addPerson, listPeople, personJson } from "@/lib/server/people";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listPeople(caller, request.nextUrl.searchParams);
  return { items: items.map(personJson), total };
});

/** Adds a person; the invitation link comes back in this answer only, for the admin to pass on (`emailed`: also sent to them). */
export const POST = apiRoute(async (request, { caller, body }) => {
  const { person, inviteSecret, emailed } = await addPerson(caller, body);
  return NextResponse.json(
    { person: personJson(person), inviteUrl: accountLinkUrl(accountLinkBase(request.nextUrl.origin), inviteSecret), emailed },
    { status: 201 },
  );
});
