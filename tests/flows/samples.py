"""What the controller might send for each content source: plain data, as on the wire.

Fictitious but shaped like a county job bank and policy list (缙云县, the demo county). The
tests bind the fetching actions to `fetcher(source)`.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

from flows import Session

BEYOND_JUNIOR = ["junior_high", "senior_high", "college", "bachelor", "postgraduate"]

JOBS: list[dict[str, object]] = [
    {
        "id": "J20261120-031",
        "title": {"zh-CN": "数控车床操作工", "en": "CNC lathe operator"},
        "summary": "缙云县某机械制造有限公司 · 壶镇镇 · 5000-7000元/月",
        "status": {"zh-CN": "招聘中", "en": "Hiring"},
        "rows": [
            ["用人单位", "缙云县某机械制造有限公司"],
            ["工作地点", "壶镇镇工业园区"],
            ["薪资待遇", "5000-7000元/月，缴纳五险，提供宿舍"],
            ["用工形式", "全职"],
            ["学历要求", "初中及以上"],
            ["年龄要求", "18-50周岁"],
            ["招聘人数", "5人"],
            ["有效期至", "2026-12-31"],
        ],
        "qr": "https://jobs.example.gov.cn/j/J20261120-031",
        "criteria": {"age": [18, 50], "answers": {"education": BEYOND_JUNIOR}},
    },
    {
        "id": "J20261118-007",
        "title": {"zh-CN": "电商客服（可兼职）", "en": "Online shop customer service (part-time)"},
        "summary": "缙云县某电子商务有限公司 · 五云街道 · 3500-4500元/月",
        "rows": [
            ["用人单位", "缙云县某电子商务有限公司"],
            ["薪资待遇", "3500-4500元/月；兼职按小时计酬"],
            ["用工形式", "全职或非全日制"],
            ["学历要求", "高中（中专）及以上"],
        ],
        "qr": "https://jobs.example.gov.cn/j/J20261118-007",
        "criteria": {
            "age": [18, 45],
            "answers": {"education": BEYOND_JUNIOR[1:], "work_type": ["part_time", "any"]},
        },
    },
    {
        "id": "J20261115-112",
        "title": {"zh-CN": "养老护理员", "en": "Elderly care worker"},
        "summary": "缙云县某养老服务中心 · 新碧街道 · 4000-5000元/月",
        "rows": [["学历要求", "不限"], ["年龄要求", "20-55周岁"], ["培训", "岗前免费培训"]],
        "criteria": {"age": [20, 55]},
    },
    {
        "id": "J20261101-003",
        "title": {"zh-CN": "保洁员（公益性岗位）", "en": "Cleaner (public-welfare post)"},
        "summary": "仙都街道办事处 · 2300元/月",
        "rows": [["安置对象", "就业困难人员，女40周岁、男50周岁以上优先"]],
        "criteria": {"age_by_sex": {"female": [40, None], "male": [50, None]}},
    },
    {"id": "bad item", "title": "an id with a space is dropped"},
]

POLICIES: list[dict[str, object]] = [
    {
        "id": "P-LS-2024-01",
        "title": {"zh-CN": "灵活就业社会保险补贴", "en": "Social insurance subsidy, flexible work"},
        "summary": "就业困难人员、离校2年内未就业高校毕业生灵活就业的，按实际缴费给予补贴",
        "rows": [
            ["补贴对象", "就业困难人员；离校2年内未就业高校毕业生"],
            ["补贴标准", "养老、医疗保险实际缴费额的三分之二"],
            ["补贴期限", "最长3年（距法定退休年龄不足5年的可延长至退休）"],
            ["办理渠道", "就业服务e站自助申领，或县就业管理服务中心窗口"],
        ],
        "qr": "https://hrss.example.gov.cn/policy/P-LS-2024-01",
        "criteria": {
            "answers": {
                "groups": ["difficulty", "graduate"],
                "employment_status": ["flexible"],
            }
        },
    },
    {
        "id": "P-LS-2024-02",
        "title": {
            "zh-CN": "大龄失业人员公益性岗位安置",
            "en": "Public-welfare posts for older jobless",
        },
        "rows": [["对象", "女40周岁、男50周岁以上的登记失业人员"]],
        "criteria": {
            "age_by_sex": {"female": [40, None], "male": [50, None]},
            "answers": {"employment_status": ["unemployed"]},
        },
    },
    {
        "id": "P-LS-2024-03",
        "title": {"zh-CN": "一次性创业补贴", "en": "One-off start-up grant"},
        "rows": [["对象", "高校毕业生、就业困难人员、退役军人、脱贫人口首次创业"]],
        "criteria": {"answers": {"groups": ["graduate", "difficulty", "veteran", "poverty"]}},
    },
    {
        "id": "P-LS-2024-05",
        "title": {"zh-CN": "失业保险金", "en": "Unemployment insurance benefit"},
        "rows": [["条件", "非因本人意愿中断就业，失业前缴纳失业保险满1年，已进行失业登记"]],
        "criteria": {"answers": {"employment_status": ["unemployed"]}},
    },
    {
        "id": "P-LS-2024-06",
        "title": {"zh-CN": "就业见习补贴", "en": "Traineeship subsidy"},
        "rows": [["对象", "离校2年内未就业高校毕业生、16-24岁失业青年"]],
        "criteria": {"age": [16, 24]},
    },
    {"id": "P-LS-2024-07", "title": {"zh-CN": "职业培训补贴", "en": "Training subsidy"}},
]

TRAININGS: list[dict[str, object]] = [
    {
        "id": "T2026-0451",
        "title": {"zh-CN": "电工（五级）职业技能等级培训", "en": "Electrician, level 5"},
        "summary": "缙云县职业技术学校 · 2026-12-07至12-28 晚班",
        "status": {"zh-CN": "报名中 32/40", "en": "Open 32/40"},
        "rows": [
            ["培训时间", "2026-12-07至2026-12-28，每周一至五 18:30-21:00"],
            ["培训地点", "缙云县职业技术学校实训楼"],
            ["费用", "符合条件的人员免费（职业培训补贴）"],
            ["取得证书", "电工五级职业技能等级证书"],
        ],
        "criteria": {"age": [18, 60]},
    },
    {
        "id": "T2026-0452",
        "title": {"zh-CN": "育婴员（五级）培训", "en": "Infant carer, level 5"},
        "criteria": {"age": [18, 55]},
    },
    {
        "id": "T2026-0460",
        "title": {"zh-CN": "电子商务直播专项能力培训", "en": "Live-stream selling"},
        "status": {"zh-CN": "已满", "en": "Full"},
        "available": False,
    },
]

JOB_FAIRS: list[dict[str, object]] = [
    {
        "id": "F2026-12-05",
        "title": "2026年缙云县“就业援助月”专场招聘会",
        "summary": "2026-12-05 09:00-12:00 · 缙云县人力资源市场",
        "rows": [["参会单位", "约60家"], ["提供岗位", "800余个"], ["主办", "缙云县人力社保局"]],
        "qr": "https://jobs.example.gov.cn/fair/F2026-12-05",
    },
    {"id": "F2026-12-12", "title": "壶镇镇制造业专场招聘会", "summary": "2026-12-12 · 壶镇镇"},
    {
        "id": "F2026-11-28",
        "title": "高校毕业生冬季网络招聘会",
        "status": "报名已截止",
        "available": False,
    },
]

SLOTS: list[dict[str, object]] = [
    {"id": "S-0900", "title": "09:00-09:30", "status": "剩余3个"},
    {"id": "S-0930", "title": "09:30-10:00", "status": "已约满", "available": False},
    {"id": "S-1400", "title": "14:00-14:30", "status": "剩余5个"},
]

APPLICATIONS: list[dict[str, object]] = [
    {
        "id": "KA01-2611250011",
        "title": "社保补贴申领",
        "status": {"zh-CN": "审核中", "en": "Under review"},
        "rows": [["提交时间", "2026-11-25 10:12"], ["受理机构", "缙云县就业管理服务中心"]],
    },
    {
        "id": "KA01-2611200003",
        "title": "就业登记",
        "status": {"zh-CN": "已办结", "en": "Done"},
        "rows": [["办结时间", "2026-11-21 15:40"]],
    },
    {
        "id": "KA02-2610150002",
        "title": "失业登记",
        "status": {"zh-CN": "退回补正", "en": "Returned for more documents"},
        "rows": [["说明", "请补充解除劳动合同证明"]],
    },
]

CONTENT: dict[str, list[dict[str, object]]] = {
    "jobs": JOBS,
    "policies": POLICIES,
    "trainings": TRAININGS,
    "job_fairs": JOB_FAIRS,
    "slots": SLOTS,
    "applications": APPLICATIONS,
}


def fetcher(
    source: str, content: list[dict[str, object]] | None = None
) -> Callable[[Session], str]:
    """A fetching action writing (a copy of) the sample content of `source`."""

    def fetch(session: Session) -> str:
        session.content[source] = deepcopy(CONTENT[source] if content is None else content)
        return "ok"

    return fetch
