"""Synthetic reference numbers: PNC IDs, CRO numbers, NI numbers, CRNs, VRMs and phone numbers.

Each is derived from a global index through a fixed permutation, so numbers are unique across
the whole county whichever worker makes them, yet look scattered rather than sequential.
NI numbers use the prefix QQ, which HMRC never issues, so no synthetic person can share a real
person's number (REFERENCE.md).
"""

from __future__ import annotations

from polestar.pole.identifiers import cro_check_letter, pnc_check_letter

_NINO_SUFFIXES = "ABCD"
# Letters used in the last three characters of a current-format VRM (no I, Q or Z).
_VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
# DVLA memory tags (first two letters): area letter + local office letter.
_VRM_TAGS = tuple(
    area + office for area in "ABCDEFGHKLMNOPRSVWY" for office in "ABCDEFGHJKLMNOPRSTUVWXY"
)
# Age identifiers for registrations from 2005 to 2024: March (yy) and September (yy + 50).
_VRM_AGES = tuple(f"{year:02d}" for year in range(5, 25)) + tuple(
    f"{year + 50:02d}" for year in range(5, 25)
)
_CRN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _scatter(index: int, modulus: int, salt: int) -> int:
    """A permutation of 0 .. modulus-1 (modulus a power of ten; 7919 is coprime to it)."""
    return (index * 7919 + salt) % modulus


def pnc_id(index: int, year: int) -> str:
    """The PNC ID of person `index`, first recorded in `year` (`2009/0123456C`)."""
    serial = _scatter(index, 10_000_000, 1_234_567)
    return f"{year:04d}/{serial:07d}{pnc_check_letter(year, serial)}"


def cro_number(index: int, year: int) -> str:
    """The CRO number of person `index`, issued in `year` (`123456/09Z`)."""
    serial = _scatter(index, 1_000_000, 345_678)
    return f"{serial:06d}/{year % 100:02d}{cro_check_letter(serial, year)}"


def ni_number(index: int) -> str:
    """The NI number of person `index`: prefix QQ, never issued (`QQ123456C`)."""
    digits = _scatter(index, 1_000_000, 271_828)
    return f"QQ{digits:06d}{_NINO_SUFFIXES[(index // 1_000_000) % 4]}"


def probation_crn(index: int) -> str:
    """The probation case reference of person `index` (`X123456`)."""
    digits = _scatter(index, 1_000_000, 314_159)
    return f"{_CRN_LETTERS[(index // 1_000_000 + 20) % len(_CRN_LETTERS)]}{digits:06d}"


def vrm(index: int) -> str:
    """The registration mark of vehicle `index` in the current format (`AB12 CDE`)."""
    letters = len(_VRM_LETTERS) ** 3
    space = letters * len(_VRM_AGES) * len(_VRM_TAGS)
    mixed = (index * 7919 + 424_242) % space
    tail, rest = mixed % letters, mixed // letters
    age, tag = _VRM_AGES[rest % len(_VRM_AGES)], _VRM_TAGS[rest // len(_VRM_AGES)]
    size = len(_VRM_LETTERS)
    chars = _VRM_LETTERS[tail // size**2] + _VRM_LETTERS[tail // size % size]
    return f"{tag}{age} {chars}{_VRM_LETTERS[tail % size]}"


def mobile(index: int) -> str:
    """Mobile number `index` in the 07700 range, as 11 digits (`07700900123`)."""
    block, digits = index // 1_000_000, _scatter(index, 1_000_000, 900_000)
    return f"0{7700 + block}{digits:06d}"
