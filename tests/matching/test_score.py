import csv
from pathlib import Path

import pytest

from channelbase.matching.score import SHIPPED_THRESHOLD, registered_domain, score_names, score_pair

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize(("left", "right"), [
    ("Cervecería Regia, S.A. de C.V.", "Cerveceria Regia"),
    ("Banco Horizonte S.A.", "Banco Horizonet"),  # a typo
    ("Soluções Abertas Ltda.", "SOLUCOES ABERTAS ME"),
    ("Acme do Brasil Ltda.", "Acme Ltda."),
    ("Distribuidora Delta S.A.", "Distrib. Delta"),
    ("Data Tech Solutions", "Datatech Solutions"),
    ("Wal-Mart de México", "Walmart Mexico"),
    ("Companhia Siderúrgica Nacional", "CSN"),
    ("Transportes Moura & Carvalho", "Transportes Carvalho e Moura"),
    ("Companhia Prado Mendes de Seguros Ltda.", "www.companhiapradomendesseguros.net.br"),
])
def test_retyped_names_of_one_company_score_at_or_above_the_threshold(left, right):
    assert score_names(left, right) >= SHIPPED_THRESHOLD


@pytest.mark.parametrize(("left", "right"), [
    ("Datos Norte S.A.C.", "Datos Sur S.A.C."),
    ("Silva Advogados", "Silva Contabilidade"),
    ("Hospital San José de Lima", "Hospital San José de Cusco"),
    ("Universidad Nacional de Córdoba", "Universidad Nacional de Rosario"),
    ("Escola Estadual Mariana Moura", "Escola Estadual Yasmin Moura"),
    ("Hoteles Fernández", "Hoteles Hernández"),  # another surname, not a typo
    ("Integração Dantas Gonçalves", "Mineração Dantas Gonçalves"),
    ("Acme Brasil", "Acme México"),
    ("Banco do Brasil", "Banco de México"),
    ("Acme 2000", "Acme 3000"),
])
def test_hard_negatives_stay_below_the_threshold(left, right):
    assert score_names(left, right) < SHIPPED_THRESHOLD


def test_empty_names_score_zero():
    assert score_names("", "Acme") == 0 and score_names("Acme", "") == 0


def test_the_same_tax_id_wins_over_different_names():
    result = score_pair("Acme", "Zeta Holdings", left_tax_id="12.345.678/0001-95", right_tax_id="12345678000195")
    assert (result.score, result.reason) == (100, "tax id")


def test_the_same_registered_domain_scores_high_but_not_a_free_mail_domain():
    assert score_pair("Acme", "Zeta", left_domain="https://www.acme.com.mx/x", right_domain="ventas.acme.com.mx").reason \
        == "domain"
    assert score_pair("Acme", "Zeta", left_domain="gmail.com", right_domain="gmail.com").score < SHIPPED_THRESHOLD


def test_government_hosts_are_not_cut_to_their_suffix():
    assert registered_domain("campinas.sp.gov.br") == "campinas.sp.gov.br"
    assert registered_domain("www.acme.com.br") == "acme.com.br"


def _f1(path: Path) -> float:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    predicted = [score_names(r["left"], r["right"]) >= SHIPPED_THRESHOLD for r in rows]
    actual = [r["same"] == "1" for r in rows]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    precision, recall = tp / max(1, sum(predicted)), tp / max(1, sum(actual))
    return 2 * precision * recall / (precision + recall)


def test_f1_on_the_generated_evaluation_set_is_at_least_0_97():
    assert _f1(DATA / "eval_pairs.csv") >= 0.97


def test_f1_on_the_handwritten_evaluation_set_is_at_least_0_95():
    assert _f1(DATA / "eval_handwritten.csv") >= 0.95


def test_the_generated_set_is_large_and_labelled():
    rows = list(csv.DictReader((DATA / "eval_pairs.csv").open(encoding="utf-8")))
    assert len(rows) >= 1500 and {r["same"] for r in rows} == {"0", "1"}
    assert {r["kind"] for r in rows} >= {"typo_1", "legal_dropped", "domain", "neg_same_surname", "neg_other_city"}
