import ipaddr from "ipaddr.js";

/**
 * The unit a client address is throttled by: an IPv4 address, or the /64 prefix of an IPv6
 * address (one subscriber usually holds a whole /64, so per-address keys would give an attacker
 * 2^64 fresh keys). IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
export function throttleAddress(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip.slice(0, 64);
  let address = ipaddr.parse(ip);
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
  }
  if (address.kind() === "ipv4") return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(":")}::/64`;
}
