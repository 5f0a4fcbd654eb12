"""What the controller might send for each content source, for the UI's FakePort.

Fictitious, shaped like a county job bank (缙云县, the demo county): enough jobs for two
pages of cards, ranked for the synthetic citizen (a woman born in 1949, so 76 on the tests'
day: the jobs open to people over 40 or 50 come first as "可能符合"), a training class that
is full, titles long enough to be cut short on a card. `FACETS` are what the controller
would filter jobs by (area, industry, work type); the FakePort applies them like it would.
"""

from __future__ import annotations

Row = list[str]
Node = dict[str, object]

SKILLED = ["junior_high", "senior_high", "college", "bachelor", "postgraduate"]


def item(ident: str, zh: str, en: str, summary: str, *rows: Row, **extra: object) -> Node:
    """One item as the controller sends it; `rows` are [label, value], `extra` the rest."""
    node: Node = {"id": ident, "title": {"zh-CN": zh, "en": en}, "summary": summary}
    if rows:
        node["rows"] = [list(row) for row in rows]
    node.update(extra)
    return node


def job(ident: str, zh: str, en: str, summary: str, *rows: Row, **extra: object) -> Node:
    """One vacancy of the job bank: hiring unless said otherwise, with its public page."""
    extra.setdefault("status", {"zh-CN": "招聘中", "en": "Hiring"})
    extra.setdefault("qr", f"https://jobs.example.gov.cn/j/{ident}")
    return item(ident, zh, en, summary, *rows, **extra)


def places(taken: int, of: int) -> dict[str, str]:
    """The status of a class still open: places taken of all."""
    return {"zh-CN": f"报名中 {taken}/{of}", "en": f"Open {taken}/{of}"}


JOBS: list[Node] = [
    job(
        "J20261120-031",
        "数控车床操作工",
        "CNC lathe operator",
        "缙云县某机械制造有限公司 · 壶镇镇 · 5500-7500元/月",
        ["用人单位", "缙云县某机械制造有限公司"],
        ["工作地点", "壶镇镇工业园区"],
        ["薪资待遇", "5500-7500元/月，缴纳五险，提供宿舍"],
        ["用工形式", "全职，两班倒"],
        ["学历要求", "初中及以上"],
        ["年龄要求", "18-50周岁"],
        ["招聘人数", "5人"],
        ["联系电话", "0578-3000000（工作日）"],
        ["有效期至", "2026-12-31"],
        criteria={"age": [18, 50], "answers": {"education": SKILLED}},
    ),
    job(
        "J20261119-012",
        "仓库管理员",
        "Warehouse keeper",
        "缙云县某物流有限公司 · 五云街道 · 4500-5500元/月",
        ["用人单位", "缙云县某物流有限公司"],
        ["薪资待遇", "4500-5500元/月"],
        ["学历要求", "高中（中专）及以上"],
        criteria={"age": [20, 55], "answers": {"education": SKILLED[1:]}},
    ),
    job(
        "J20261118-044",
        "小区保洁员（可兼职）",
        "Housing estate cleaner (part-time possible)",
        "缙云县某物业服务有限公司 · 新碧街道 · 2800-3200元/月",
        ["用人单位", "缙云县某物业服务有限公司"],
        ["工作时间", "每天6:00-11:00，可兼职"],
        ["年龄要求", "40周岁以上，身体健康"],
        criteria={"age": [40, None]},
    ),
    job(
        "J20261117-006",
        "养老护理员",
        "Elderly care worker",
        "缙云县某颐养中心 · 仙都街道 · 4200-5200元/月",
        ["培训", "岗前免费培训，可考养老护理员证书"],
        status={"zh-CN": "急招", "en": "Urgent"},
        criteria={"age": [20, 58]},
    ),
    job(
        "J20261116-020",
        "停车场收费员（退休人员优先）",
        "Car park attendant (retired people welcome)",
        "缙云县某停车管理有限公司 · 五云街道 · 2500元/月",
        ["工作时间", "三班轮换，每班8小时"],
        criteria={"age_by_sex": {"female": [50, None], "male": [55, None]}},
    ),
    job(
        "J20261115-088",
        "汽车配件装配工（长白班，包吃住，节假日三倍工资，满一年另有奖金）",
        "Car parts assembler (day shift, board and lodging)",
        "浙江某汽车零部件有限公司缙云分公司 · 东方镇 · 5000-6500元/月",
        ["学历要求", "不限"],
        criteria={"age": [18, 45]},
    ),
    job(
        "J20261114-002",
        "校车驾驶员",
        "School bus driver",
        "缙云县某公共交通有限公司 · 五云街道 · 6000元/月",
        ["资格要求", "A1驾驶证，5年以上驾龄，无重大事故记录"],
        criteria={"age": [30, 60]},
    ),
]

# What the controller filters by (flows/actions.py fetch_jobs): area, industry, work type.
FACETS: dict[str, dict[str, str]] = {
    "J20261120-031": {"area": "huzhen", "industry": "manufacturing", "work_type": "full_time"},
    "J20261119-012": {"area": "wuyun", "industry": "logistics", "work_type": "full_time"},
    "J20261118-044": {"area": "xinbi", "industry": "household_services", "work_type": "part_time"},
    "J20261117-006": {"area": "xiandu", "industry": "health_care", "work_type": "full_time"},
    "J20261116-020": {"area": "wuyun", "industry": "logistics", "work_type": "full_time"},
    "J20261115-088": {"area": "dongfang", "industry": "manufacturing", "work_type": "full_time"},
    "J20261114-002": {"area": "wuyun", "industry": "logistics", "work_type": "full_time"},
}

TRAININGS: list[Node] = [
    item(
        "T2026-0471",
        "焊工（五级）职业技能等级培训",
        "Welder, level 5",
        "壶镇镇职业技能培训中心 · 12月5日开班 · 晚班",
        ["上课安排", "2026-12-05起共6周，每周一、三、五 18:30-21:00"],
        ["上课地点", "壶镇镇职业技能培训中心二楼实训车间"],
        ["学费", "登记失业人员等符合条件的免费参加"],
        ["结业证书", "焊工五级职业技能等级证书"],
        status=places(21, 30),
        qr="https://hrss.example.gov.cn/px/T2026-0471",
        criteria={"age": [18, 55]},
    ),
    item(
        "T2026-0460",
        "电子商务直播专项能力培训",
        "Live-stream selling",
        "缙云县电商产业园 · 12月1日开班",
        status={"zh-CN": "已满", "en": "Full"},
        available=False,
    ),
    item(
        "T2026-0458",
        "养老护理员（五级）培训",
        "Elderly carer, level 5",
        "缙云县社会福利中心 · 12月14日开班 · 周末班",
        ["培训时间", "2026-12-14起，每周六、日 9:00-16:00，共8周"],
        status=places(25, 30),
        criteria={"age": [18, 65]},
    ),
    item(
        "T2026-0462",
        "中式烹调师（五级）培训",
        "Chinese cook, level 5",
        "壶镇镇成人文化技术学校 · 2027年1月开班",
        status=places(8, 40),
    ),
]

JOB_FAIRS: list[Node] = [
    {
        "id": "F2026-12-05",
        "title": "2026年缙云县“就业援助月”专场招聘会",
        "summary": "2026-12-05 09:00-12:00 · 缙云县人力资源市场",
        "rows": [["参会单位", "约60家"], ["提供岗位", "800余个"]],
        "qr": "https://jobs.example.gov.cn/fair/F2026-12-05",
    },
    {
        "id": "F2026-11-28",
        "title": "高校毕业生冬季网络招聘会",
        "status": "报名已截止",
        "available": False,
    },
]

POLICIES: list[Node] = [
    {
        "id": "P-JY-2026-01",
        "title": {"zh-CN": "灵活就业社会保险补贴", "en": "Social insurance subsidy, flexible work"},
        "summary": "就业困难人员灵活就业的，按实际缴费给予补贴",
        "rows": [["补贴标准", "养老、医疗保险实际缴费额的三分之二"], ["补贴期限", "最长3年"]],
        "qr": "https://hrss.example.gov.cn/policy/P-JY-2026-01",
        "criteria": {"age_by_sex": {"female": [40, None], "male": [50, None]}},
    },
    {"id": "P-JY-2026-03", "title": {"zh-CN": "一次性创业补贴", "en": "One-off start-up grant"}},
]

SLOTS: list[Node] = [
    {"id": "S-0900", "title": "09:00-09:30", "status": "剩余3个"},
    {"id": "S-0930", "title": "09:30-10:00", "status": "已约满", "available": False},
    {"id": "S-1400", "title": "14:00-14:30", "status": "剩余5个"},
]

APPLICATIONS: list[Node] = [
    {
        "id": "KA01-2611250011",
        "title": "职业培训补贴申领",
        "status": {"zh-CN": "审核中", "en": "Under review"},
        "rows": [["提交时间", "2026-11-25 10:12"], ["受理机构", "缙云县就业管理服务中心"]],
    },
    {"id": "KA01-2611200003", "title": "就业登记", "status": {"zh-CN": "已办结", "en": "Done"}},
]

CONTENT: dict[str, list[Node]] = {
    "jobs": JOBS,
    "trainings": TRAININGS,
    "job_fairs": JOB_FAIRS,
    "policies": POLICIES,
    "slots": SLOTS,
    "applications": APPLICATIONS,
}
