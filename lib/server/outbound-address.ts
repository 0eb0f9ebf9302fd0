import "server-only";
import { lookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";
import dns from "node:dns";

/**
 * Where Countersign may send webhooks. Addresses on this server's own networks (loopback, private ranges,
 * link-local, where cloud metadata services answer, carrier-grade NAT, unique-local IPv6) are refused unless an
 * admin allowed them for that endpoint, so a webhook cannot be used to reach what only this server can reach.
 * The check is made when the URL is saved and again on every connection, against the address actually dialled,
 * so a name that later resolves somewhere private (DNS rebinding) is refused too.
 */

const internal = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  internal.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  internal.addSubnet(net, prefix, "ipv6");

/** NAT64 prefixes: an IPv6-only network's gateway carries these to the IPv4 address in their last 32 bits. */
const wellKnownNat64 = new BlockList();
wellKnownNat64.addSubnet("64:ff9b::", 96, "ipv6");
internal.addSubnet("64:ff9b:1::", 48, "ipv6"); // the local-use NAT64 prefix (RFC 8215): its addresses are this network's own

/** The IPv4 address in an IPv6 address's last 32 bits, dotted. */
function lastIpv4Of(address: string): string {
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) return dotted[1]!;
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const [hi, lo] = groups.slice(6).map((g) => parseInt(g, 16));
  return [hi! >> 8, hi! & 255, lo! >> 8, lo! & 255].join(".");
}

/**
 * Whether an IP address belongs to this server's own networks. IPv4 written as IPv6 (::ffff:10.0.0.1) is judged as
 * IPv4, and so is the IPv4 address a NAT64 address (64:ff9b::10.0.0.1) reaches.
 */
export function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internal.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 4) return internal.check(address, "ipv4");
  if (family === 6) {
    if (wellKnownNat64.check(address, "ipv6")) return internal.check(lastIpv4Of(address.toLowerCase()), "ipv4");
    return internal.check(address, "ipv6");
  }
  return false;
}

/**
 * The internal address a host name or IP stands for, if any; null when it is public, or when the name does not
 * resolve from here (the delivery then fails and says so, and the check is made again when it connects).
 */
export async function internalAddressOf(hostname: string): Promise<string | null> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return isInternalAddress(host) ? host : null;
  if (host === "localhost" || host.endsWith(".localhost")) return "127.0.0.1";
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    return found.find((a) => isInternalAddress(a.address))?.address ?? null;
  } catch {
    return null;
  }
}

export class InternalAddressError extends Error {
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: it is on this server's own network, and this endpoint is not allowed to reach it`);
    this.name = "InternalAddressError";
  }
}

/** A DNS lookup for http.request that refuses internal addresses, so the address dialled is the address checked. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0);
    const list = addresses as unknown as dns.LookupAddress[];
    const refused = list.find((a) => isInternalAddress(a.address));
    if (refused) return callback(new InternalAddressError(refused.address), "", 0);
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
    const first = list[0]!;
    callback(null, first.address, first.family);
  });
};
