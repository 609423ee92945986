"""Demo procedures (used by `kaidan demo`, idempotent): 粗大ごみ収集の申込み, 児童手当の現況届 and
区民の声, published, with applications at every status (受付, 審査中, 差戻し, 完了, 却下)."""

from __future__ import annotations

from typing import Any

from kaidan.accounts.models import Organization, User

from . import applications, cases, services
from .forms import ApplicationForm
from .models import CaseStatus, Procedure
from .schema import FieldDef, Kind

SODAI = [
    FieldDef("name", Kind.TEXT, "氏名", required=True, section="申込者"),
    FieldDef("kana", Kind.KANA, "フリガナ", required=True, section="申込者"),
    FieldDef("phone", Kind.PHONE, "電話番号", required=True, help="日中に連絡がつく番号", section="申込者"),
    FieldDef("address", Kind.ADDRESS, "収集先の住所", required=True, section="収集"),
    FieldDef(
        "day", Kind.DATE, "収集の希望日", required=True, help="平日のみ。例：令和8年12月10日", section="収集"
    ),
    FieldDef(
        "item",
        Kind.CHOICE,
        "品目",
        required=True,
        choices=["たんす", "自転車", "ソファ", "布団", "その他"],
        section="収集",
    ),
    FieldDef(
        "other",
        Kind.TEXT,
        "その他の品目",
        required=True,
        show_if_field="item",
        show_if_value="その他",
        section="収集",
    ),
    FieldDef("count", Kind.NUMBER, "点数", required=True, section="収集"),
    FieldDef("photo", Kind.FILE, "品物の写真", help="大きさが分かる写真があると助かります", section="収集"),
    FieldDef("agree", Kind.CONSENT, "収集の日の朝8時までに、指定の場所へ出します", required=True),
]
GENKYO = [
    FieldDef("name", Kind.TEXT, "受給者の氏名", required=True, section="受給者"),
    FieldDef("kana", Kind.KANA, "フリガナ", required=True, section="受給者"),
    FieldDef(
        "birth", Kind.DATE, "受給者の生年月日", required=True, help="例：平成2年5月1日", section="受給者"
    ),
    FieldDef("phone", Kind.PHONE, "電話番号", required=True, section="受給者"),
    FieldDef("address", Kind.ADDRESS, "住所", required=True, section="受給者"),
    FieldDef("children", Kind.NUMBER, "養育している児童の数", required=True, section="児童"),
    FieldDef("separate", Kind.CHECKBOX, "別居している児童がいる", section="児童"),
    FieldDef(
        "separate_address",
        Kind.TEXT,
        "別居している児童の住所",
        required=True,
        show_if_field="separate",
        show_if_value="true",
        section="児童",
    ),
    FieldDef("insurance", Kind.FILE, "健康保険証の写し", section="添付"),
    FieldDef("agree", Kind.CONSENT, "記載内容に誤りはありません", required=True),
]

PEOPLE = [
    ("世田 花子", "セタ ハナコ", "03-5432-1111", "154-0001", "世田谷区池尻二丁目1番5号"),
    ("池尻 太郎", "イケジリ タロウ", "090-1234-5678", "154-0004", "世田谷区太子堂四丁目22番3号"),
    ("三宿 次郎", "ミシュク ジロウ", "03-3412-2222", "154-0005", "世田谷区三宿一丁目13番1号"),
    ("太子堂 さくら", "タイシドウ サクラ", "080-9876-5432", "154-0004", "世田谷区太子堂二丁目5番8号"),
    ("三軒茶屋 健", "サンゲンヂャヤ ケン", "03-3411-3333", "154-0024", "世田谷区三軒茶屋一丁目30番2号"),
]
STATUSES = [
    CaseStatus.RECEIVED,
    CaseStatus.REVIEWING,
    CaseStatus.RETURNED,
    CaseStatus.COMPLETED,
    CaseStatus.REJECTED,
]


def _procedure(
    owner: Organization, editor: User, manager: User, slug: str, defs: list[FieldDef], **info: Any
) -> Procedure:
    procedure = Procedure.objects.filter(slug=slug).first()
    if procedure is None:
        procedure = services.create_procedure(actor=editor, owner=owner, slug=slug, **info)
        for d in defs:
            services.add_field(procedure, d, actor=editor)
    if procedure.current_version is None:
        services.publish(procedure, actor=manager)
        procedure.refresh_from_db()
    return procedure


def _apply(procedure: Procedure, raw: dict[str, Any], email: str) -> Any:
    draft = applications.save_draft(procedure, None, raw)
    assert draft.version is not None
    form = ApplicationForm(draft.version, data=ApplicationForm.data_from(draft.version, raw, email), held={})
    if not form.is_valid():
        raise ValueError(f"demo application does not fit its form: {form.errors.as_text()}")
    submission, _token = applications.submit(draft, form.answers(), email=email)
    return submission


def _walk(procedure: Procedure, staff: User, submission: Any, status: str, note: str) -> None:
    if status == CaseStatus.RECEIVED:
        return
    cases.assign(procedure, submission.pk, staff, actor=staff)
    if status == CaseStatus.RETURNED:
        cases.request_correction(procedure, submission.pk, note, actor=staff)
        return
    if status == CaseStatus.REJECTED:
        cases.change_status(procedure, submission.pk, CaseStatus.REJECTED, note, actor=staff)
        return
    cases.change_status(procedure, submission.pk, CaseStatus.REVIEWING, actor=staff)
    if status == CaseStatus.COMPLETED:
        cases.comment(procedure, submission.pk, "手数料の納付を確認済み。", actor=staff)
        cases.change_status(procedure, submission.pk, CaseStatus.COMPLETED, note, actor=staff)


POSTAL_CODES = [
    ("154-0001", "池尻"),
    ("154-0002", "下馬"),
    ("154-0003", "野沢"),
    ("154-0004", "太子堂"),
    ("154-0005", "三宿"),
    ("154-0011", "上馬"),
    ("154-0012", "駒沢"),
    ("154-0017", "世田谷"),
    ("154-0023", "若林"),
    ("154-0024", "三軒茶屋"),
]


def create_postal_codes(owner: Organization) -> None:
    """A public dataset of the ward's postal codes (as in Japan Post's KEN_ALL), for the address lookup."""
    import tempfile
    from pathlib import Path

    from kaidan.access.actors import SYSTEM
    from kaidan.catalog.models import Dataset
    from kaidan.ingest.services import plan_import, run_import

    if Dataset.objects.filter(name="postal-codes").exists():
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "postal-codes.csv"
        rows = "".join(f"{code},東京都,世田谷区,{town}\n" for code, town in POSTAL_CODES)
        path.write_text("郵便番号,都道府県,市区町村,町域\n" + rows, encoding="utf-8")
        plan, _analysis = plan_import(
            path,
            dataset="postal-codes",
            organization=owner.code,
            title="郵便番号（世田谷区の一部）",
            classification="public",
        )
        run_import(plan, actor=SYSTEM)


def create_procedures() -> None:
    seisou = Organization.objects.get(code="seisou")
    kodomo = Organization.objects.get(code="kodomo")
    dx = Organization.objects.get(code="dx")
    s_editor, s_manager = (
        User.objects.get(username="seisou.editor"),
        User.objects.get(username="seisou.manager"),
    )
    k_manager = User.objects.get(username="kodomo.manager")
    admin = User.objects.get(username="admin")
    create_postal_codes(dx)
    sodai = _procedure(
        seisou,
        s_editor,
        s_manager,
        "sodai-gomi",
        SODAI,
        title="粗大ごみ収集の申込み",
        purpose="一辺が30cmを超える家具・自転車などの粗大ごみを、ご自宅まで収集に伺います。",
        eligibility="区内にお住まいの方（事業所のごみは対象外です）",
        bring="品物の写真（任意）",
        fees="1点 400円〜2,800円（品目による。収集日までに有料粗大ごみ処理券を購入して貼ってください）",
    )
    genkyo = _procedure(
        kodomo,
        k_manager,
        k_manager,
        "jidou-teate-genkyo",
        GENKYO,
        title="児童手当の現況届",
        purpose="児童手当を引き続き受け取るための届出です。毎年6月に提出してください。",
        eligibility="児童手当を受給している方のうち、区から提出のお知らせが届いた方",
        bring="健康保険証の写し（お知らせで求められた方）",
        fees="無料",
    )
    voice = _procedure(
        dx,
        admin,
        admin,
        "kumin-no-koe",
        [],
        title="区民の声（ご意見・ご要望）",
        purpose="区政へのご意見・ご要望をお寄せください。分野・地区ごとに集計し、施策の見直しに役立てます。",
        kind=Procedure.Kind.VOICE,
        fees="無料",
    )
    if not sodai.submissions.exists():
        items = ["たんす", "自転車", "ソファ", "布団", "その他"]
        for i, (person, status) in enumerate(zip(PEOPLE, STATUSES, strict=True)):
            name, kana, phone, postal, address = person
            raw = {
                "name": name,
                "kana": kana,
                "phone": phone,
                "address": [postal, address],
                "day": f"令和8年12月{10 + i}日",
                "item": items[i],
                "other": "ベビーカー" if items[i] == "その他" else "",
                "count": str(1 + i % 3),
                "agree": True,
            }
            submission = _apply(sodai, raw, f"resident{i + 1}@example.jp")
            _walk(
                sodai,
                s_editor,
                submission,
                status,
                "希望日は平日を選んでください。" if status == CaseStatus.RETURNED else "",
            )
    if not genkyo.submissions.exists():
        for i, (person, status) in enumerate(zip(PEOPLE, STATUSES, strict=True)):
            name, kana, phone, postal, address = person
            raw = {
                "name": name,
                "kana": kana,
                "birth": f"平成{2 + i}年{5 + i}月1日",
                "phone": phone,
                "address": [postal, address],
                "children": str(1 + i % 2),
                "separate": i == 1,
                "separate_address": "世田谷区三宿二丁目1番1号" if i == 1 else "",
                "agree": True,
            }
            submission = _apply(genkyo, raw, f"parent{i + 1}@example.jp")
            _walk(
                genkyo,
                k_manager,
                submission,
                status,
                "健康保険証の写しを添付してください。" if status == CaseStatus.RETURNED else "",
            )
    if not voice.submissions.exists():
        opinions = [
            ("道路・公園", "池尻", "公園の街灯が暗く、夜に通るのが不安です。"),
            ("ごみ・環境", "太子堂", "資源ごみの回収日を増やしてほしい。"),
            ("子育て", "三軒茶屋", "一時預かりの予約がなかなか取れません。"),
            ("防災", "三宿", "避難所の場所が分かる看板を増やしてください。"),
            ("子育て", "池尻", "児童館の開館時間を延ばしてほしいです。"),
        ]
        for i, (category, district, message) in enumerate(opinions):
            raw = {"category": category, "district": district, "message": message, "reply": i % 2 == 0}
            submission = _apply(voice, raw, f"voice{i + 1}@example.jp")
            if i < 2:
                cases.change_status(
                    voice, submission.pk, CaseStatus.COMPLETED, "担当課に伝えました。", actor=admin
                )
