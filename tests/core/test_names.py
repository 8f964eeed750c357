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


def test_the_fast_accent_fold_gives_what_the_full_unicode_decomposition_gives():
    """strip_accents folds Latin letters through a table and falls back to NFKD for anything else; the two
    must agree on every character (and so on every name)."""
    from channelbase.core.names import _decompose, strip_accents
    for code in range(0x80, 0x3000):
        text = f"Ab{chr(code)}c {chr(code)}"
        assert strip_accents(text) == _decompose(text), hex(code)
    assert strip_accents("Soluções Ágeis ﬁnanças") == "Solucoes Ageis financas"


def test_legal_forms_split_over_many_tokens_are_still_stripped():
    from channelbase.core.names import company_key
    assert company_key("Grupo Norte S. de R.L. de C.V.") == company_key("Grupo Norte") == "gruponorte"
    assert company_key("Cia. Ltda") == "cia"  # a name that is only legal forms keeps its first token
    assert company_key("Andes S A de C V") == company_key("ANDES, S.A. DE C.V.") == "andes"
