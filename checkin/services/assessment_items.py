"""The items of the two periodic checks, as data: nothing else lives here.

- The stable-work-and-life check (安定した就労と生活のチェック): 6 areas, 27 items.
- The workplace natural-support check (ナチュラルサポートの状況チェック): 7 areas, 18 items.

Both follow the areas and the meaning of the items in the national practice manual for
employment retention support (§17-21; its checklists are by A. Yamaguchi Lab, 2024, and are
copyrighted). **Every sentence below is our own wording** of what an item asks about, written
for this project; none is copied from the manual. The client's words for the stability items
are plain Japanese (やさしい日本語). English is in the translation catalogue like every message.

Item keys are stored in assessment answers: never rename one (add a new key instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from checkin.services.errors import _l


@dataclass(frozen=True)
class Item:
    key: str  # "area.item", stored in the answers
    staff: str  # the supporter's and the employer's wording
    client: str | None = None  # plain Japanese for the client (stability check only)


@dataclass(frozen=True)
class Area:
    key: str
    title: str  # staff wording
    short: str  # the radar chart's axis label
    items: tuple[Item, ...]
    client_title: str | None = None


@dataclass(frozen=True)
class Check:
    kind: str  # the document kind: assessment_stability / assessment_natural
    title: str
    client_title: str | None
    areas: tuple[Area, ...]
    client_fills: bool  # the client answers this one about themself

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(i for a in self.areas for i in a.items)

    def area(self, key: str) -> Area:
        return next(a for a in self.areas if a.key == key)


# The rating: 4 is the best. "na" is 「わからない・あてはまらない」: kept and shown as such,
# never counted in an area's mean.
SCALE = (4, 3, 2, 1)
NOT_KNOWN = "na"
SCALE_MAX = 4
STAFF_SCALE = {
    4: _l("そう思う"),
    3: _l("ややそう思う"),
    2: _l("あまりそう思わない"),
    1: _l("そう思わない"),
    NOT_KNOWN: _l("わからない・あてはまらない"),
}
CLIENT_SCALE = {
    4: _l("そう"),
    3: _l("だいたい そう"),
    2: _l("あまり そうでは ない"),
    1: _l("ちがう"),
    NOT_KNOWN: _l("わからない"),
}


STABILITY = Check(
    kind="assessment_stability",
    title=_l("安定した就労と生活のチェック"),
    client_title=_l("しごとと くらしの チェック"),
    client_fills=True,
    areas=(
        Area(
            "outlook",
            _l("将来への見通しと仕事への意欲"),
            _l("見通し・意欲"),
            client_title=_l("これからの こと・しごとへの きもち"),
            items=(
                Item(
                    "outlook.life_goals",
                    _l("暮らしの中に、目指すことや楽しみにしていることがある"),
                    _l("くらしの なかに、めざす ことや たのしみが ある"),
                ),
                Item(
                    "outlook.career_goals",
                    _l("これからの働き方について、前向きな目標を立てている"),
                    _l("これからの はたらきかたに、目標が ある"),
                ),
                Item(
                    "outlook.enjoys_work",
                    _l("働くことに楽しさを感じている"),
                    _l("しごとが たのしいと 感じる"),
                ),
                Item(
                    "outlook.hopeful",
                    _l("自分の先行きを明るく考えられている"),
                    _l("これからの 自分を 明るく 考えられる"),
                ),
                Item(
                    "outlook.rest_days",
                    _l("休みの日に、気持ちを休める過ごし方ができている"),
                    _l("休みの日は、ゆっくり できる"),
                ),
                Item(
                    "outlook.family",
                    _l("家族との間柄が落ち着いている"),
                    _l("家族との 関係は おちついて いる"),
                ),
                Item(
                    "outlook.effort",
                    _l("仕事に熱心に向き合っている"),
                    _l("しごとに いっしょうけんめい とりくんで いる"),
                ),
                Item(
                    "outlook.community",
                    _l("地域の人とのつながりや、趣味・余暇の時間を楽しめている"),
                    _l("しごとの ほかにも、人との つながりや 楽しみの 時間が ある"),
                ),
                Item(
                    "outlook.pride",
                    _l("働いている自分に満足や誇りを感じている"),
                    _l("はたらいて いる 自分に 満足して いる"),
                ),
            ),
        ),
        Area(
            "health",
            _l("体調の安定"),
            _l("体調"),
            client_title=_l("からだと こころの 調子"),
            items=(
                Item(
                    "health.sleep",
                    _l("眠りが安定している"),
                    _l("よく ねむれて いる"),
                ),
                Item(
                    "health.medical",
                    _l("通院や服薬が続けられている (服薬が要らない場合も含む)"),
                    _l("病院や くすりは きまりどおり (くすりが ない 人も「そう」)"),
                ),
                Item(
                    "health.appetite",
                    _l("食欲が落ちておらず、食事の中身も崩れていない"),
                    _l("ごはんを きちんと 食べて いる"),
                ),
                Item(
                    "health.recovery",
                    _l("疲れが出ても、休めば元に戻っている"),
                    _l("つかれても、休むと もとに もどる"),
                ),
            ),
        ),
        Area(
            "conduct",
            _l("職場での働きぶりの安定"),
            _l("働きぶり"),
            client_title=_l("しょくばでの はたらきかた"),
            items=(
                Item(
                    "conduct.relations",
                    _l("職場の人との間で、困りごとが起きていない"),
                    _l("しょくばの 人と もめごとが ない"),
                ),
                Item(
                    "conduct.hours",
                    _l("始業・終業など決められた時間を守れている"),
                    _l("はたらく 時間を まもれて いる"),
                ),
                Item(
                    "conduct.manner",
                    _l("勤務中の態度で問題が出ていない"),
                    _l("しごと中の たいどに 問題は ない"),
                ),
                Item(
                    "conduct.no_worry",
                    _l("職場の人付き合いに不安を抱えていない"),
                    _l("しょくばの 人との かかわりが 不安では ない"),
                ),
            ),
        ),
        Area(
            "satisfaction",
            _l("職場への満足"),
            _l("満足"),
            client_title=_l("しょくばへの 満足"),
            items=(
                Item(
                    "satisfaction.pay",
                    _l("給与や待遇に不満がない"),
                    _l("きゅうりょうや たいぐうに 不満は ない"),
                ),
                Item(
                    "satisfaction.schedule",
                    _l("勤務時間やシフトに不満がない"),
                    _l("はたらく 時間や シフトに 不満は ない"),
                ),
                Item(
                    "satisfaction.commute",
                    _l("通勤に不安や負担を感じていない"),
                    _l("かよう ことは たいへんでは ない"),
                ),
            ),
        ),
        Area(
            "evaluation",
            _l("上司から見た評価"),
            _l("上司の評価"),
            client_title=_l("上司から 見た わたし"),
            items=(
                Item(
                    "evaluation.manner",
                    _l("上司が、本人の勤務ぶりを良いと見ている"),
                    _l("上司は、わたしの はたらく たいどを よいと 見て いる"),
                ),
                Item(
                    "evaluation.motivation",
                    _l("上司が、本人の仕事への意欲を認めている"),
                    _l("上司は、わたしの やる気を みとめて いる"),
                ),
                Item(
                    "evaluation.responsibility",
                    _l("上司が、本人は責任を持って仕事をしていると見ている"),
                    _l("上司は、わたしが せきにんを もって はたらいて いると 見て いる"),
                ),
                Item(
                    "evaluation.selfcare",
                    _l("上司が、体調や服薬の自己管理ができていると見ている"),
                    _l("上司は、わたしが 体調や くすりを 自分で 管理できて いると 見て いる"),
                ),
                Item(
                    "evaluation.performance",
                    _l("上司が、仕事の進み具合や出来ばえを良いと見ている"),
                    _l("上司は、わたしの しごとの できを よいと 見て いる"),
                ),
            ),
        ),
        Area(
            "support",
            _l("職場の支え"),
            _l("職場の支え"),
            client_title=_l("しょくばの ささえ"),
            items=(
                Item(
                    "support.accommodation",
                    _l("必要な配慮が、職場で実際に行われている"),
                    _l("しょくばで、ひつような 配慮 (はいりょ) を して もらえて いる"),
                ),
                Item(
                    "support.understanding",
                    _l("職場の人が、障害のある社員について十分にわかっている"),
                    _l("しょくばの 人は、わたしの 障害 (しょうがい) を よく わかって いる"),
                ),
            ),
        ),
    ),
)


NATURAL = Check(
    kind="assessment_natural",
    title=_l("職場のナチュラルサポートのチェック"),
    client_title=None,
    client_fills=False,
    areas=(
        Area(
            "environment",
            _l("職場環境を知り、なじむための支え"),
            _l("職場環境"),
            items=(
                Item(
                    "environment.knows",
                    _l("本人が、職場のきまりや仕事の進め方をつかめている"),
                ),
                Item(
                    "environment.tasks",
                    _l("本人に合わせて、仕事の中身や手順が工夫されている"),
                ),
                Item(
                    "environment.equipment",
                    _l("働きやすいように、設備や道具が整えられている"),
                ),
            ),
        ),
        Area(
            "relations",
            _l("上司・同僚との関係"),
            _l("上司・同僚"),
            items=(
                Item(
                    "relations.instructions",
                    _l("上司が本人の特性をふまえ、伝わりやすい指示や助言をしている"),
                ),
                Item(
                    "relations.peers",
                    _l("同僚と、無理なく助け合いながら仕事をしている"),
                ),
                Item(
                    "relations.named_person",
                    _l(
                        "社内で本人を支える役 (職業生活相談員など) が決まっていて、周りも知っている"
                    ),
                ),
            ),
        ),
        Area(
            "skills",
            _l("仕事の力と、それを支える手助け"),
            _l("仕事の力"),
            items=(
                Item(
                    "skills.mutual_help",
                    _l("職場に、お互いに手を貸し合う空気がある"),
                ),
                Item(
                    "skills.learning",
                    _l("仕事に要る力を身につけるための手助けがある"),
                ),
                Item(
                    "skills.not_too_much",
                    _l("手助けが過剰にならず、本人が自分でできることが増えている"),
                ),
            ),
        ),
        Area(
            "communication",
            _l("職場でのやりとり"),
            _l("やりとり"),
            items=(
                Item(
                    "communication.voice",
                    _l("本人が、意見や気持ちを口にしやすい"),
                ),
                Item(
                    "communication.contacts",
                    _l("いつもの担当者のほかにも、相談先 (産業医、社外の窓口など) がある"),
                ),
            ),
        ),
        Area(
            "team",
            _l("チーム全体の理解と配慮"),
            _l("チームの理解"),
            items=(
                Item(
                    "team.fair",
                    _l("仕事の中身やルールが、誰にも同じように伝えられている"),
                ),
                Item(
                    "team.learning",
                    _l("障害について学ぶ研修や話し合いの場がある"),
                ),
            ),
        ),
        Area(
            "sustainable",
            _l("続けられる支えの仕組み"),
            _l("仕組み"),
            items=(
                Item(
                    "sustainable.shared",
                    _l("支えが特定の人の無理に頼らず、無理のない形で続いている"),
                ),
                Item(
                    "sustainable.review",
                    _l("支えがうまくいっているかを折々に見直し、改めている"),
                ),
                Item(
                    "sustainable.external",
                    _l("ジョブコーチや社外の支援機関と連携している"),
                ),
            ),
        ),
        Area(
            "safety",
            _l("安心して話せる職場 (心理的安全性)"),
            _l("安心"),
            items=(
                Item(
                    "safety.talk",
                    _l("本人が、悩みや不安を安心して打ち明けられる"),
                ),
                Item(
                    "safety.goals",
                    _l("本人が仕事の目標を持ち、それに向けて後押しされている"),
                ),
            ),
        ),
    ),
)

CHECKS = {STABILITY.kind: STABILITY, NATURAL.kind: NATURAL}
# The area of the stability check that the daily check-ins also see.
HEALTH_AREA = "health"
