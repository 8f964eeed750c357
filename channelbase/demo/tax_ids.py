"""Valid, unique company tax ids for the demo: real check digits, in the compact form the services store."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from collections.abc import Callable

from stdnum import luhn
from stdnum.ar import cuit
from stdnum.br import cnpj
from stdnum.cl import rut
from stdnum.co import nit
from stdnum.mx import rfc
from stdnum.pe import ruc
from stdnum.us import ein

from channelbase.core.names import strip_accents

EIN_PREFIXES = tuple(p for p in range(1, 100) if ein.is_valid(f"{p:02d}0000001"))


class TaxIds:
    """Valid, unique company tax ids with real check digits, in the compact form the services store."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.makers: dict[str, Callable[[random.Random, str], str]] = {
            "BR": _cnpj, "MX": _rfc, "AR": _cuit, "CL": _rut, "CO": _nit, "PE": _ruc, "US": _ein, "CA": _bn,
        }

    def new(self, rng: random.Random, country: str, name: str) -> str:
        while True:
            value = self.makers[country](rng, name)
            if value not in self.used:
                self.used.add(value)
                return value


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10 ** count):0{count}d}"


def _cnpj(rng: random.Random, _name: str) -> str:
    base = f"{rng.randrange(1, 10 ** 8):08d}0001"  # the head office is branch 0001
    return base + cnpj.calc_check_digits(base)


def _rfc(rng: random.Random, name: str) -> str:
    letters = "".join(ch for ch in strip_accents(name).upper() if "A" <= ch <= "Z")
    letters = (letters + "XXX")[:3]
    founded = datetime(1990, 1, 1) + timedelta(days=rng.randrange(33 * 365))
    homoclave = rng.choice("123456789ABCDEFGHIJKLMNPQRSTUV") + rng.choice("123456789ABCDEFGHIJKLMNPQRSTUVWXYZ")
    body = f"{letters}{founded:%y%m%d}{homoclave}"
    return body + rfc.calc_check_digit(body)


def _cuit(rng: random.Random, _name: str) -> str:
    body = rng.choice(("30", "30", "30", "33")) + _digits(rng, 8)
    return body + cuit.calc_check_digit(body)


def _rut(rng: random.Random, _name: str) -> str:
    body = str(rng.randrange(76_000_000, 78_000_000))  # the range Chile gives companies
    return body + rut.calc_check_digit(body)


def _nit(rng: random.Random, _name: str) -> str:
    body = rng.choice(("800", "830", "860", "900", "901")) + _digits(rng, 6)
    return body + nit.calc_check_digit(body)


def _ruc(rng: random.Random, _name: str) -> str:
    body = "20" + _digits(rng, 8)  # 20: a company
    return body + ruc.calc_check_digit(body)


def _ein(rng: random.Random, _name: str) -> str:
    return f"{rng.choice(EIN_PREFIXES):02d}{_digits(rng, 7)}"


def _bn(rng: random.Random, _name: str) -> str:
    body = str(rng.randrange(10 ** 7, 10 ** 8))
    return body + luhn.calc_check_digit(body)
