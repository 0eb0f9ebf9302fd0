import { describe, expect, it } from "vitest";
import { internalAddressOf, isInternalAddress } from "./outbound-address";

describe("which addresses are on this server's own network", () => {
  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "fd00::1",
    "fe80::1",
    // NAT64 (RFC 6052, RFC 8215): on an IPv6-only network with a NAT64 gateway these reach the IPv4 address inside them.
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::10.0.0.1",
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1",
  ])("%s is internal", (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822", "::ffff:93.184.216.34"])("%s is public", (address) => {
    expect(isInternalAddress(address)).toBe(false);
  });

  it.each(["http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::169.254.169.254]/"])(
    "the URL %s is refused however its address is written",
    async (url) => {
      expect(await internalAddressOf(new URL(url).hostname)).not.toBeNull();
    },
  );
});
