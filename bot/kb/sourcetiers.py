"""How much a source's host can be trusted: primary (government, legislature, court), reputable (scorers,
established legal publishers and newsrooms), other (warned), or rejected (content farms, AI law sites,
mirrors and staging hosts; the validator names the better source to use)."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from urllib.parse import urlparse


class Tier(StrEnum):
    PRIMARY = "primary"
    REPUTABLE = "reputable"
    OTHER = "other"
    REJECTED = "rejected"


# Host suffix -> the better source to use instead.
REJECTED: dict[str, str] = {
    "instalawyer.io": "the legislature's official code site",
    "uslawyerdatabase.com": "the legislature's official code site",
    "courtgpt.ai": "the legislature's official code site or the court's opinion",
    "lexace.ai": "the legislature's official code site or the court's opinion",
    "lawserver.com": "the legislature's official code site",
    "3whst.com": "the publisher's own site (this is a web agency's staging host)",
    "cloudfront.net": "the official site this copy mirrors",
    "azurewebsites.net": "the legislature's own bill page",
    "alexi.com": "the court's opinion or Cornell LII",
    "casemine.com": "the court's opinion on the court's site, Justia or CourtListener",
    "getpocketlaw.com": "the legislature's official code site",
    # statute and document mirrors, AI summaries and content farms (found in review, 2026-11-30)
    "laws9.com": "the legislature's official code site",
    "laws.com": "the legislature's official code site",
    "onecle.com": "the legislature's official code site",
    "laws-info.com": "the legislature's official code site",
    "public.law": "the legislature's official code site",
    "oregonlaws.org": "oregonlegislature.gov (the official ORS)",
    "docslib.org": "the publisher's own copy of the document",
    "documentine.com": "the publisher's own copy of the document",
    "cetient.com": "the court's opinion on the court's site, Justia or CourtListener",
    "caselawbrief.com": "the court's opinion on the court's site, Justia or CourtListener",
    "vulcanbills.com": "the legislature's own bill page",
    "citizenportal.ai": "the legislature's own bill page",
    "lawpipe.com": "the legislature's official code site",
    "helplinelaw.com": "the legislature's official code site",
    "studicata.com": "the court's opinion on the court's site, Justia or CourtListener",
    # case-law, statute, newspaper and document mirrors, AI summaries and content farms (found in review, 2026-11-30)
    "ecases.us": "the court's opinion on the court's site, Justia or CourtListener",
    "elawyers.us": "the court's opinion on the court's site, Justia or CourtListener",
    "syfert.com": "the legislature's official code site",
    "legalfix.com": "the legislature's official code site",
    "self-law.org": "the legislature's official code site",
    "legalresearch.com": "the court's opinion on the court's site, Justia or CourtListener",
    "pressreader.com": "the newspaper's own site",
    "planetmaison.com": "the newspaper's own site",
    "content.yudu.com": "the publisher's own copy of the document",
    "elaws.us": "the legislature's official code site",  # ga.elaws.us, flrules.elaws.us: code mirrors
    "midpage.ai": "the court's opinion on the court's site, Justia or CourtListener",
    "findacase.com": "the court's opinion on the court's site, Justia or CourtListener",
    "legalclarity.org": "the legislature's official code site or the court's opinion",
    "claimhour.com": "the legislature's official code site",
    "casebriefly.com": "the court's opinion on the court's site, Justia or CourtListener",
    "lawsdocbox.com": "the publisher's own copy of the document",
    "vdocuments.site": "the publisher's own copy of the document",
    "documents.pub": "the publisher's own copy of the document",
    "dokumen.tips": "the publisher's own copy of the document",
    "paperzz.com": "the publisher's own copy of the document",
    "fdocuments.us": "the publisher's own copy of the document",
    "yumpu.com": "the publisher's own copy of the document",
    "global-regulation.com": "the legislature's official code site",
    "calculators.law": "the legislature's official code site",
    "info.5y1.org": "the publisher's own copy of the document",
    "stateregstoday.com": "the legislature's own bill page",
    "painandclaim.com": "the legislature's official code site",
}
_NOT_A_PUBLIC_HOST = re.compile(r"^\d+\.\d+\.\d+\.\d+$|(?:^|[.-])(?:dev|staging|stage|preview)[.-]")
PRIMARY_SUFFIXES = (".gov", ".mil", "legislature.mi.gov", "mass.gov")
# .us is primary only in its locality namespace (XX.us, state.XX.us: states, cities, courts, schools); anyone
# may register a name directly under .us (ecases.us, a case-law mirror, is one), so those are named one by one.
_US_LOCALITY = re.compile(r"(?:^|\.)[a-z]{2}\.us$")
OFFICIAL_US = ("dccouncil.us",)  # the Council of the District of Columbia (its official code site)
PRIMARY_WORDS = ("legis", "legislature", "courts.", "revisor", "capitol", "senate.", "house.", "assembly.")
REPUTABLE: frozenset[str] = frozenset(
    {
        "endqi.org",
        "campaignzero.org",
        "ij.org",
        "justia.com",
        "casetext.com",
        "findlaw.com",
        "cornell.edu",
        "oyez.org",
        "courtlistener.com",
        "constitutioncenter.org",
        "supremecourt.gov",
        "govinfo.gov",
        "reuters.com",
        "apnews.com",
        "npr.org",
        "nytimes.com",
        "washingtonpost.com",
        "propublica.org",
        "themarshallproject.org",
        "reason.com",
        "cato.org",
        "brennancenter.org",
        "ncsl.org",
        "vlex.com",
        "heinonline.org",
        "umkc.edu",
        "unc.edu",
        "uc.edu",
        "law.harvard.edu",
        "scotusblog.com",
        "ballotpedia.org",
        "nclc.org",
        "rcfp.org",
        "muckrock.com",
        "courthousenews.com",
        "abajournal.com",
        "americanbar.org",
        "law360.com",
        "bloomberglaw.com",
        "westlaw.com",
        "leagle.com",
        "casetext.co",
        "fastcase.com",
        "openstates.org",
        "legiscan.com",
        "pewtrusts.org",
        "stateline.org",
        "naacpldf.org",
        "aclu.org",
    }
)


def host_of(url: str) -> str:
    """The lower-case host of a URL without ``www.``."""
    host = (urlparse(url).hostname or "").lower()
    return host.removeprefix("www.")


def _matches(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


@lru_cache(maxsize=4096)
def tier(url: str) -> Tier:
    """The tier of a source URL."""
    host = host_of(url)
    if any(_matches(host, bad) for bad in REJECTED) or _NOT_A_PUBLIC_HOST.search(host):
        return Tier.REJECTED
    if any(_matches(host, good) for good in REPUTABLE):
        return Tier.REPUTABLE
    official_us = _US_LOCALITY.search(host) or any(_matches(host, name) for name in OFFICIAL_US)
    if host.endswith(PRIMARY_SUFFIXES) or official_us or any(word in host for word in PRIMARY_WORDS):
        return Tier.PRIMARY
    return Tier.REPUTABLE if host.endswith(".edu") else Tier.OTHER


def better_source(url: str) -> str | None:
    """For a rejected host, the kind of source to use instead."""
    host = host_of(url)
    if _NOT_A_PUBLIC_HOST.search(host):
        return "the site's public address (this is a bare IP address or a development or staging host)"
    return next((hint for bad, hint in REJECTED.items() if _matches(host, bad)), None)
