"""Free-mail (consumer mailbox) domains: an address there says nothing about an employer, so
these domains never link a contact to an account by e-mail domain."""

from __future__ import annotations

from collections.abc import Iterable

#: Built-in list: the large consumer mail providers (extend it per workspace with
#: ``idic accounts run --free-mail-domain DOMAIN``).
FREE_MAIL_DOMAINS: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it", "ymail.com",
    "rocketmail.com",
    "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.es", "hotmail.it",
    "outlook.com", "outlook.fr", "outlook.de", "live.com", "live.co.uk", "live.fr", "msn.com",
    "icloud.com", "me.com", "mac.com",
    "aol.com", "aol.co.uk", "aim.com",
    "protonmail.com", "protonmail.ch", "proton.me", "pm.me", "tutanota.com", "tuta.io",
    "gmx.de", "gmx.net", "gmx.com", "gmx.at", "gmx.ch", "web.de", "t-online.de", "freenet.de",
    "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "neuf.fr", "bbox.fr",
    "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net", "ntlworld.com",
    "blueyonder.co.uk",
    "libero.it", "virgilio.it", "tiscali.it", "alice.it",
    "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "cox.net", "charter.net",
    "mail.com", "email.com", "zoho.com", "zohomail.com", "fastmail.com", "fastmail.fm", "hey.com",
    "yandex.com", "yandex.ru", "mail.ru", "rambler.ru",
    "qq.com", "163.com", "126.com", "sina.com", "naver.com", "hanmail.net",
})


def free_mail_domains(extra: Iterable[str] = ()) -> list[str]:
    """The built-in list plus ``extra`` (normalised: trimmed, lower case, no ``@``), sorted."""
    more = {d.strip().lower().lstrip("@") for d in extra if d and d.strip()}
    return sorted(FREE_MAIL_DOMAINS | more)


def is_free_mail(domain: str, extra: Iterable[str] = ()) -> bool:
    """Whether ``domain`` (or a domain it is a subdomain of) is a free-mail domain."""
    d = domain.strip().lower().lstrip("@")
    listed = set(free_mail_domains(extra))
    parts = d.split(".")
    return any(".".join(parts[i:]) in listed for i in range(len(parts) - 1))
