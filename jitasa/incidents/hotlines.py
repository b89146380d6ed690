"""Hotlines: the free numbers a person in trouble can call, kept as data of each incident.

thai.md: 1669, 191 and 199 always; 1330 and 1323 in an epidemic; 1784, 1567 and 1300 in floods
and other disasters. An incident created without hotlines gets those of its kind; an admin
may give others (numbers change: 1668 was a 2021 Bangkok bed line).
"""

from typing import TypedDict


class Hotline(TypedDict):
    """One number to call, with what it is for in Thai and English."""

    number: str
    name_th: str
    name_en: str


def _line(number: str, name_th: str, name_en: str) -> Hotline:
    return Hotline(number=number, name_th=name_th, name_en=name_en)


MEDICAL = _line("1669", "เจ็บป่วยฉุกเฉิน (สพฉ.)", "Medical emergency")
POLICE = _line("191", "ตำรวจ", "Police")
FIRE = _line("199", "ดับเพลิงและกู้ภัย", "Fire and rescue")
NHSO = _line("1330", "สปสช. หาเตียง แยกกักตัวที่บ้าน", "NHSO: beds, home isolation")
MENTAL_HEALTH = _line("1323", "สุขภาพจิต", "Mental health")
DISASTER = _line("1784", "สาธารณภัย (ปภ.)", "Disaster relief (DDPM)")
DAMRONGDHAM = _line("1567", "ศูนย์ดำรงธรรม", "Damrongdhama Centre")
SOCIAL = _line("1300", "ผู้ประสบปัญหาทางสังคม (พม.)", "People in social distress")

# Always there, first: what every page shows even when no incident can be read.
ALWAYS: tuple[Hotline, ...] = (MEDICAL, POLICE, FIRE)
BY_KIND: dict[str, tuple[Hotline, ...]] = {
    "epidemic": (MEDICAL, NHSO, MENTAL_HEALTH, POLICE, FIRE),
    "flood": (MEDICAL, DISASTER, FIRE, POLICE, DAMRONGDHAM, SOCIAL),
    "disaster": (MEDICAL, DISASTER, FIRE, POLICE, DAMRONGDHAM, SOCIAL),
    "haze": (MEDICAL, DISASTER, POLICE, FIRE),
}


def defaults_for(kind: str) -> list[Hotline]:
    """Return the hotlines an incident of this kind starts with."""
    return [Hotline(**line) for line in BY_KIND.get(kind, (*ALWAYS, SOCIAL))]


def merged(lists: list[list[Hotline]]) -> list[Hotline]:
    """Join several incidents' hotlines: 1669 and the others always, each number once."""
    seen: set[str] = set()
    joined: list[Hotline] = []
    for line in [*ALWAYS[:1], *(line for hotlines in lists for line in hotlines), *ALWAYS[1:]]:
        if line["number"] not in seen:
            seen.add(line["number"])
            joined.append(line)
    return joined
