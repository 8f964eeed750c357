"""`channelbase match` and `channelbase dedupe` on CSV files."""

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from channelbase import cli

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def mounted():
    if not any(command.name == "match" for command in cli.app.registered_commands):
        cli._mount_domains()


def invoke(*args):
    return runner.invoke(cli.app, [str(a) for a in args])


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_match_pairs_keeps_every_column_and_appends_score_and_same(tmp_path):
    pairs = _write(tmp_path / "in.csv", "id,left,right,note\n1,Cervecería Regia S.A. de C.V.,Cerveceria Regia,a\n"
                                        "2,Datos Norte SAC,Datos Sur SAC,b\n3,,Acme,c\n")
    result = invoke("match", "--pairs", pairs, "--out", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0] == "id,left,right,note,score,same"
    rows = _read(tmp_path / "out.csv")
    assert [(r["id"], r["note"], r["same"]) for r in rows] == [("1", "a", "1"), ("2", "b", "0"), ("3", "c", "0")]
    assert rows[0]["score"] == "100" and rows[2]["score"] == "0"


@pytest.mark.parametrize(("encoding", "bom", "delimiter"), [
    ("utf-8", "\ufeff", ","), ("cp1252", "", ";"), ("latin-1", "", "\t"), ("utf-8", "\ufeff", ";"),
])
def test_match_pairs_reads_bom_latin1_and_other_delimiters(tmp_path, encoding, bom, delimiter):
    text = f"{bom}left{delimiter}right\nSoluções Abertas Ltda.{delimiter}SOLUCOES ABERTAS\n"
    pairs = _write(tmp_path / "in.csv", text, encoding)
    assert invoke("match", "--pairs", pairs, "--out", tmp_path / "out.csv").exit_code == 0
    [row] = _read(tmp_path / "out.csv")
    assert row["left"] == "Soluções Abertas Ltda." and row["same"] == "1"


def test_match_pairs_replaces_an_input_column_named_like_an_output_one(tmp_path):
    pairs = _write(tmp_path / "in.csv", "Left,Right,same\nAcme Inc.,ACME,0\n")
    invoke("match", "--pairs", pairs, "--out", tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines() == ["Left,Right,score,same", "Acme Inc.,ACME,100,1"]


def test_match_pairs_survives_short_and_long_rows(tmp_path):
    pairs = _write(tmp_path / "in.csv", "left,right\nAcme\nAcme,Acme Inc.,extra\n\n")
    assert invoke("match", "--pairs", pairs, "--out", tmp_path / "out.csv").exit_code == 0
    assert [(r["right"], r["same"]) for r in _read(tmp_path / "out.csv")] == [("", "0"), ("Acme Inc.,extra", "0")]


def test_match_queries_adds_the_best_account_and_its_score(tmp_path):
    accounts = _write(tmp_path / "accounts.csv", "name,country\nBanco Horizonte S.A.,BR\nHarbor Health LLC,US\n")
    queries = _write(tmp_path / "queries.csv", "ref;query\nq1;Banco Horizonet\nq2;Quantum Widgets\nq3;\n", "cp1252")
    result = invoke("match", "--accounts", accounts, "--queries", queries, "--out", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "out.csv")
    assert list(rows[0]) == ["ref", "query", "match", "score"]
    assert [(r["ref"], r["match"]) for r in rows] == [("q1", "Banco Horizonte S.A."), ("q2", ""), ("q3", "")]
    assert int(rows[0]["score"]) >= 80 and rows[2]["score"] == "0"


def test_dedupe_numbers_clusters_of_likely_duplicates(tmp_path):
    names = _write(tmp_path / "accounts.csv", "id,name\n1,Acme Inc.\n2,Zeta S.A.\n3,\"ACME, Corp.\"\n4,Omega\n")
    result = invoke("dedupe", names, "--out", tmp_path / "clusters.csv")
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "clusters.csv")
    assert [(r["id"], r["cluster"], r["cluster_size"]) for r in rows] == [
        ("1", "1", "2"), ("2", "2", "1"), ("3", "1", "2"), ("4", "3", "1")]


def test_a_one_column_file_keeps_commas_inside_names(tmp_path):
    names = _write(tmp_path / "accounts.csv", "name\nAcme, Inc.\nACME Inc\n")
    invoke("dedupe", names, "--out", tmp_path / "clusters.csv")
    assert [r["name"] for r in _read(tmp_path / "clusters.csv")] == ["Acme, Inc.", "ACME Inc"]


@pytest.mark.parametrize(("args", "message"), [
    (("match", "--pairs", "missing.csv", "--out", "o.csv"), "No such file"),
    (("match", "--out", "o.csv"), "Give --pairs"),
    (("match", "--pairs", "p.csv", "--accounts", "a.csv", "--queries", "q.csv", "--out", "o.csv"), "not both"),
    (("match", "--accounts", "a.csv", "--out", "o.csv"), "Give --pairs"),
    (("match", "--pairs", "p.csv"), "Give --out"),
    (("dedupe", "missing.csv", "--out", "o.csv"), "No such file"),
])
def test_wrong_arguments_exit_1_with_one_clear_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "p.csv", "left,right\nA,B\n")
    result = invoke(*args)
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize(("command", "header", "column"), [
    ("pairs", "left,other", "right"), ("pairs", "a,right", "left"), ("dedupe", "id,nome", "name"),
    ("queries", "id,q", "query"), ("accounts", "nombre", "name"),
])
def test_a_missing_column_exits_1_naming_it(tmp_path, command, header, column):
    bad = _write(tmp_path / "bad.csv", f"{header}\nx\n")
    good = _write(tmp_path / "good.csv", "name,query\nAcme,Acme\n")
    args = {"pairs": ("match", "--pairs", bad), "dedupe": ("dedupe", bad),
            "queries": ("match", "--accounts", good, "--queries", bad),
            "accounts": ("match", "--accounts", bad, "--queries", good)}[command]
    result = invoke(*args, "--out", tmp_path / "out.csv")
    assert result.exit_code == 1 and f"no '{column}' column" in result.output
    assert not (tmp_path / "out.csv").exists()
