"""Common given-name diminutives (English, with a few French and German forms).

A general-knowledge table, deliberately small: a nickname maps to its root name so that
"Bob" and "Robert" count as the same given name (in the super-node guard and as a level of
the first-name comparison). Ambiguous short forms (Al, Sam, Alex, Chris, Jo, ...) map to one
root only when the root is the dominant one; otherwise they are left out.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

_ROOTS: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny", "jon"),
    "michael": ("mike", "mikey", "mick", "mickey"),
    "thomas": ("tom", "tommy"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "charles": ("charlie", "chuck", "chas"),
    "christopher": ("chris", "kit"),
    "daniel": ("dan", "danny"),
    "matthew": ("matt", "matty"),
    "benjamin": ("ben", "benny"),
    "joseph": ("joe", "joey"),
    "anthony": ("tony",),
    "david": ("dave", "davy"),
    "nicholas": ("nick", "nicky"),
    "andrew": ("andy", "drew"),
    "alexander": ("alex", "sandy", "xander"),
    "jonathan": ("jonny",),
    "samuel": ("sam", "sammy"),
    "henry": ("harry", "hank"),
    "peter": ("pete",),
    "stephen": ("steve", "stevie"),
    "steven": ("steve",),
    "timothy": ("tim", "timmy"),
    "gregory": ("greg",),
    "lawrence": ("larry",),
    "frederick": ("fred", "freddie", "freddy"),
    "oliver": ("ollie",),
    "joshua": ("josh",),
    "zachary": ("zach", "zack"),
    "nathaniel": ("nate", "nat"),
    "patrick": ("pat", "paddy"),
    "raymond": ("ray",),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donnie"),
    "kenneth": ("ken", "kenny"),
    "gerald": ("gerry", "jerry"),
    "leonard": ("len", "lenny", "leo"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "bess", "eliza", "libby"),
    "margaret": ("maggie", "meg", "peggy", "marge", "madge", "greta"),
    "katherine": ("kate", "katie", "kathy", "kat", "kitty"),
    "catherine": ("cathy", "cat", "cate", "kate", "katie"),
    "jennifer": ("jen", "jenny"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "vicki", "tori"),
    "jessica": ("jess", "jessie"),
    "samantha": ("sammie",),
    "alexandra": ("lexi", "sasha"),
    "susan": ("sue", "susie", "suzy"),
    "patricia": ("patty", "tricia", "trish"),
    "deborah": ("debbie", "deb", "debs"),
    "abigail": ("abby", "abbie", "gail"),
    "olivia": ("liv", "livvy"),
    "isabella": ("bella", "izzy", "isa"),
    "isabel": ("izzy", "isa"),
    "charlotte": ("lottie", "charlie"),
    "eleanor": ("ellie", "nell", "nora"),
    "emily": ("em", "emmy"),
    "amelia": ("millie", "amy"),
    "christina": ("tina", "chrissy"),
    "christine": ("chrissy",),
    "dorothy": ("dot", "dotty", "dolly"),
    "helen": ("nell",),
    "jacqueline": ("jackie",),
    "josephine": ("jo", "josie"),
    "kimberly": ("kim",),
    "madeleine": ("maddie", "maddy"),
    "natalie": ("nat",),
    "pamela": ("pam",),
    "penelope": ("penny",),
    "sarah": ("sally", "sadie"),
    "theresa": ("tess", "tessa", "terri"),
    "valerie": ("val",),
    "wilhelm": ("willi",),
    "johannes": ("hans", "jo"),
    "friedrich": ("fritz",),
    "guillaume": ("guy",),
}

NICKNAMES: dict[str, str] = {}
#: The other root of an ambiguous short form (Charlie: Charles or Charlotte; Pat: Patrick or
#: Patricia; Jon: John or Jonathan), used by the super-node guard only.
ALT_ROOTS: dict[str, str] = {}
for _root, _nicks in _ROOTS.items():
    for _n in _nicks:
        if _n in NICKNAMES:
            ALT_ROOTS.setdefault(_n, _root)
        NICKNAMES.setdefault(_n, _root)
for _n, _root in {"jon": "jonathan", "johnny": "jonathan", "sam": "samantha",
                  "kath": "katherine", "hal": "harry", "han": "hannah"}.items():
    ALT_ROOTS.setdefault(_n, _root)


def given_name_root(first_name: ir.StringValue) -> ir.StringValue:
    """The root of a normalised (lower-case) given name: ``bob`` -> ``robert``."""
    # a map literal, not a CASE: ~200 branches overflow Spark's 64 KB code generation limit
    return ibis.coalesce(ibis.map(NICKNAMES).get(first_name), first_name)


def given_name_alt_root(first_name: ir.StringValue) -> ir.StringValue:
    """The second root of an ambiguous nickname (``charlie`` -> ``charlotte``), else the root."""
    return ibis.coalesce(ibis.map(ALT_ROOTS).get(first_name), given_name_root(first_name))
