"""`kaidan import` checks its options before it reads the file: a refused option ends the command at once,
before any analysis or progress bar, with exit 2 and a message in Japanese and English.

The file given is not even a workbook: had the command started reading it, it would say so instead.
"""

from __future__ import annotations

import pytest

from kaidan.access.actors import SYSTEM
from kaidan.catalog.models import Dataset
from kaidan.ingest.services import plan_import, run_import
from kaidan.store.models import Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a workbook")
    return path


@pytest.fixture
def existing(ward, csv_file, make_user):
    """Two limited datasets of 保健福祉政策課 (one with a key column) and a 防災課 editor who cannot see them."""
    for name, key in (("shelters", ""), ("keyed", "番号")):
        plan, analysis = plan_import(
            csv_file, dataset=name, organization="hokenfukushi", classification="limited", key=key
        )
        run_import(plan, actor=SYSTEM, analysis=analysis)
    make_user("bosai.editor", ward["bosai"], "editor")
    make_user("fukushi.viewer", ward["hokenfukushi"], "viewer")


def refused(kaidan, *args: str) -> str:
    """Run the import; assert it was refused before reading the file; return its message."""
    before = Revision.objects.count()
    code, out, err = kaidan("import", *args, "--yes")
    assert code == 2, err
    assert out == ""  # nothing detected, nothing described
    assert "broken.xlsx" not in err and "行/s" not in err and "Traceback" not in err
    assert Revision.objects.count() == before
    return err


def test_a_new_dataset_without_an_organization_is_refused(kaidan, existing, broken):
    err = refused(kaidan, str(broken), "--dataset=new")
    assert "--org" in err and "hokenfukushi  保健福祉政策課" in err


def test_a_new_dataset_in_an_unknown_organization_is_refused(kaidan, existing, broken):
    err = refused(kaidan, str(broken), "--dataset=new", "--org=somu")
    assert "somu" in err and "bosai  防災課" in err


def test_creating_a_dataset_under_a_name_already_taken_is_refused(kaidan, existing, broken):
    err = refused(kaidan, str(broken), "--dataset=shelters", "--org=hokenfukushi")
    assert "shelters" in err and "already exists" in err and "既にあります" in err


def test_a_name_taken_by_a_dataset_the_user_may_not_see_is_refused_without_saying_so(
    kaidan, existing, broken
):
    err = refused(kaidan, str(broken), "--dataset=shelters", "--org=bosai", "--user=bosai.editor")
    assert "cannot be used" in err and "already exists" not in err


@pytest.mark.parametrize("mode", ["replace", "upsert", "append"])
def test_changing_a_dataset_that_does_not_exist_is_refused(kaidan, existing, broken, mode):
    err = refused(kaidan, str(broken), "--dataset=nothing", f"--mode={mode}", "--key=番号")
    assert "nothing" in err and "does not exist (use --mode create)" in err and "ありません" in err


def test_a_dataset_the_user_may_not_see_is_answered_like_a_missing_one(kaidan, existing, broken):
    hidden = refused(kaidan, str(broken), "--dataset=shelters", "--mode=append", "--user=bosai.editor")
    missing = refused(kaidan, str(broken), "--dataset=nothing", "--mode=append", "--user=bosai.editor")
    assert hidden.replace("shelters", "X") == missing.replace("nothing", "X")


def test_an_upsert_without_a_key_is_refused_unless_the_dataset_has_one(kaidan, existing, broken, csv_file):
    err = refused(kaidan, str(broken), "--dataset=shelters", "--mode=upsert")
    assert "--key" in err and "upsert" in err

    code, _out, err = kaidan("import", str(csv_file), "--dataset=keyed", "--mode=upsert", "--yes")
    assert code == 0, err


def test_an_unknown_user_is_refused(kaidan, existing, broken):
    err = refused(kaidan, str(broken), "--dataset=shelters", "--mode=append", "--user=nobody")
    assert "nobody" in err and "利用者" in err and "user" in err


@pytest.mark.parametrize(
    "option, words",
    [
        ("--classification=top-secret", ["top-secret", "分類"]),
        ("--header-rows=one", ["one", "--header-rows"]),
        ("--encoding=klingon", ["klingon", "--encoding", "cp932"]),
        ("--restriction-reason=secret", ["secret", "--restriction-reason", "personal"]),
        ("--type=名称=money", ["money", "--type", "integer"]),
        ("--type=名称", ["名称", "--type", "COL=TYPE"]),
        ("--column-classification=名称=極秘", ["極秘", "分類"]),
        ("--column-classification=restricted", ["restricted", "COL=LEVEL"]),
    ],
)
def test_a_malformed_option_is_refused(kaidan, existing, broken, option, words):
    err = refused(kaidan, str(broken), "--dataset=new", "--org=hokenfukushi", option)
    assert all(word in err for word in words)


@pytest.mark.parametrize(
    "args",
    [
        ["--dataset=shelters", "--mode=append", "--user=fukushi.viewer"],  # sees it, may not change it
        ["--dataset=new", "--org=bosai", "--user=fukushi.editor"],  # a viewer of 防災課 only
    ],
)
def test_a_user_without_the_right_is_refused_before_the_file_is_read_too(kaidan, existing, broken, args):
    code, out, err = kaidan("import", str(broken), *args, "--yes")

    assert code == 1 and out == "" and "broken.xlsx" not in err
    assert "permission" in err.lower() or "editors" in err or "may not" in err
    assert not Dataset.objects.filter(name="new").exists()


def test_a_missing_file_is_refused_after_the_options_and_with_the_same_exit_code(kaidan, existing, tmp_path):
    code, out, err = kaidan(
        "import", str(tmp_path / "gone.csv"), "--dataset=shelters", "--mode=append", "--yes"
    )
    assert code == 2 and out == "" and "gone.csv" in err and "file not found" in err

    code, _out, err = kaidan(
        "import", str(tmp_path / "gone.csv"), "--dataset=nothing", "--mode=append", "--yes"
    )
    assert code == 2 and "does not exist (use --mode create)" in err


def test_a_column_the_file_does_not_have_is_refused_after_the_analysis_with_exit_2(
    kaidan, existing, csv_file
):
    code, _out, err = kaidan(
        "import", str(csv_file), "--dataset=new", "--org=hokenfukushi", "--type=住所=text", "--yes"
    )

    assert code == 2 and "住所" in err and "no column" in err
    assert not Dataset.objects.filter(name="new").exists()
