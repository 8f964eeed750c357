import pytest

from channelbase.core.names import company_key


@pytest.mark.parametrize("a, b", [
    ("ACME, S.A. de C.V.", "Acme"),
    ("Acme S. de R.L. de C.V.", "acme"),
    ("Soluções Abertas Ltda.", "SOLUCOES ABERTAS S/A"),
    ("Smith & Jones LLC", "Smith and Jones, Inc."),
    ("Datos y Redes S.A.S.", "Datos & Redes"),
    ("Tecnologia e Serviços EIRELI", "Tecnologia & Servicos ME"),
    ("Nube Sur SpA", "NUBE SUR LTDA."),
    ("Andes Cloud S.R.L.", "Andes Cloud SAU"),
    ("Pinnacle Corp.", "Pinnacle Corporation"),
    ("Maple Systems ULC", "maple systems ltd"),
    ("Inca Redes S.A.C.", "Inca Redes E.I.R.L."),
])
def test_it_gives_the_same_key_to_the_same_company_typed_differently(a, b):
    assert company_key(a) == company_key(b)


@pytest.mark.parametrize("a, b", [
    ("Acme", "Acne"),
    ("Datos Norte", "Datos Sur"),
    ("Banco de Chile", "Banco Estado"),
])
def test_it_keeps_different_companies_apart(a, b):
    assert company_key(a) != company_key(b)


def test_it_never_reduces_a_name_to_nothing():
    assert company_key("S.A.") == "sa"
    assert company_key("Inc.") == "inc"


def test_it_only_strips_legal_forms_at_the_end():
    assert company_key("Corp Solutions Ltd") == "corpsolutions"
