"""Webhook receivers may not be the server itself or the network around it (SSRF, PI1): loopback, link-local
(cloud metadata at 169.254.169.254), private, shared, multicast and reserved addresses, and the server's own
addresses are refused unless `JIUZHU_WEBHOOK_ALLOWED_NETWORKS` names them (a county's exchange platform on the
government intranet is usually on a private address: name exactly its network).

Checked when a subscription is saved (the URL as typed, and what its name resolves to now) and again at every
delivery, after DNS resolution: the connection then goes to the very address that was checked, so a name that
resolves differently a second later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Blocked(Exception):
    """The receiver's address is not allowed; the message is Chinese, for the delivery log and forms."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.JIUZHU_WEBHOOK_ALLOWED_NETWORKS]


@cache
def own_addresses() -> frozenset[str]:
    """Addresses this server answers on: its host name's, and those of the names it serves."""
    names = {socket.gethostname(), "localhost"}
    names |= {h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")}
    public = urlsplit(settings.PUBLIC_BASE_URL).hostname
    if public:
        names.add(public)
    found: set[str] = set()
    for name in names:
        try:
            found |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
        except OSError:
            continue
    return frozenset(found)


def refusal(address: IPAddress) -> str:
    """Why `address` may not receive webhooks ("" when it may)."""
    if any(address in network for network in _allowed_networks()):
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return refusal(address.ipv4_mapped)
    if address.is_loopback:
        return "本机回环地址"
    if address.is_link_local:
        return "链路本地地址（含云平台元数据地址 169.254.169.254）"
    if str(address) in own_addresses():
        return "本服务器自身的地址"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "保留或组播地址"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in _SHARED):
        return "内网地址"
    return ""


_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, not "private" for ipaddress


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Blocked(f"无法解析接收地址的域名 {host}（{exc}）") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))


def checked_address(host: str, port: int) -> str:
    """The address to connect to: every address the name resolves to must be allowed (one bad answer among
    several is refused too), then the first one is used."""
    addresses = resolve(host, port)
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise Blocked(
                f"接收地址 {host} 解析为 {address}（{reason}），不允许推送；如确为本地对接平台，请由运维在 "
                "JIUZHU_WEBHOOK_ALLOWED_NETWORKS 中列明其网段"
            )
    return str(addresses[0])


def check_url(url: str) -> None:
    """At save time: an address typed as a literal is judged at once; a name is resolved if it can be (a
    name that does not resolve yet is checked at delivery)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        reason = refusal(literal)
        if reason:
            raise Blocked(f"接收地址 {host} 是{reason}，不允许推送")
        return
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        raise Blocked(f"接收地址 {host} 指向本机，不允许推送")
    try:
        checked_address(host, parts.port or (443 if parts.scheme == "https" else 80))
    except Blocked as exc:
        if "无法解析" not in str(exc):
            raise
