"""Where Chinese text may break across lines: between words, never inside one.

Kivy wraps at spaces only; a Chinese sentence has none, so Kivy cuts it at whichever
character reaches the edge (浏 / 览, 就业困难人 / 员认定申请). People read Chinese in words,
and a word cut in two is read wrong or not at all by someone who reads slowly.

Here text is cut into units: a word of the lexicon below (the longest that matches, up to
four characters), any other single Chinese character, or a run of Latin letters and digits.
Punctuation stays with the unit before it (no line starts with "，" or "。"), an opening
bracket with the unit after it. A run of Latin letters or digits written against the Chinese
that follows it is one unit with it: a name such as "e站" and a count with its measure word
("24小时", "5人") are never cut. A line breaks only between units. The lexicon holds the
words of employment services and of the catalog's texts; a county's new word missing from
it breaks like any unknown text, between its characters, so add it here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

# Closing punctuation: never at the start of a line. Opening: never at the end of one.
CLOSING = frozenset("，。、；：！？）》」』】〕”’%,.;:!?)]}·…")
OPENING = frozenset("（《「『【〔“‘([{")

WORDS = frozenset(
    """
    就业 失业 创业 择业 再就业 灵活就业 就业困难 困难 人员 认定 申请 申领 登记 办理 事项 服务
    查询 浏览 预约 报名 培训 职业 技能 岗位 招聘 求职 用人 单位 用人单位 企业 工作 劳动 合同
    劳动合同 关系 维权 咨询 解除 终止 入职 离职 一件事 社保 社会 保险 社会保险 养老 医疗 工伤
    生育 补贴 贷款 担保 保险金 缴费 档次 参保 险种 证件 身份证 社保卡 电子 二维码 回执 凭条
    凭证 打印 提交 确认 核对 信息 姓名 号码 手机 手机号 日期 开始 结束 时间 时段 地区 区域 行业
    学历 文化 程度 文化程度 年龄 性别 政策 通知 短信 结果 审核 按月 发放 窗口 大厅 办事 工作人员
    高校 毕业 毕业生 离校 未就业 本人 意愿 中断 缴纳 符合 条件 可以 直接 优先 推荐 合适 读取
    读卡 读卡器 放置 取走 请您 您的 全部 列出 享受 可能 回答 几个 问题 选择 其他 重新 稍后 重试
    成功 失败 取消 返回 继续 下一步 上一步 完成 评价 满意 不满意 非常 一般 服务态度 办事效率
    职业指导 职业技能 创业担保 人事 档案 转递 证书 评价 家政 配送 司机 零工 个体 摊贩 自由职业
    平台 网约 设计 写作 直播 声明 承诺 以下 分别 编号 办件 全省 平均 工资 比例 上年度 每月
    月薪 薪资 薪酬 待遇 经验 要求 地点 联系 电话 名额 剩余 已满 班级 课程 课时 学时 免费 证明
    招聘会 现场 线上 举办 参加 预计 应聘 面试 介绍 详情 地址 乡镇 街道 社区 县城 全县 全市 全省
    保留 约满 办公 工作日 明天 今天 天内 提醒 接收 携带 签到 扫码 保存 出示 迟到 需要 取号 长时间
    操作 退出 未操作 暂时 无法 设备 连接 联系 帮助 语音 长辈 模式 字体 大字 节奏 手写 拼音 输入
    键盘 删除 清空 数字 字母 中文 英文 小时
    """.split()
)
LONGEST = max(len(w) for w in WORDS)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and not ch.isspace()


def _is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F and ch not in CLOSING and ch not in OPENING


def units(text: str) -> list[str]:
    """`text` cut into the pieces a line may break between (one paragraph, no newlines)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if _is_latin(text[i]) and text[i] not in CLOSING and text[i] not in OPENING:
            j = i
            while j < len(text) and _is_latin(text[j]) and text[j] not in OPENING:
                j += 1
            j = max(j, i + 1)
        else:
            j = next(
                (i + n for n in range(LONGEST, 1, -1) if text[i : i + n] in WORDS),
                i + 1,
            )
        unit = text[i:j]
        glued = out and _is_latin(out[-1][-1]) and _is_cjk(unit[0]) and out[-1][-1] not in CLOSING
        if out and (unit[0] in CLOSING or out[-1][-1] in OPENING or glued):
            out[-1] += unit
        else:
            out.append(unit)
        i = j
    return out


def break_lines(text: str, fits: Callable[[str], bool]) -> str:
    """`text` with a newline wherever the next word would not fit (`fits(line)`) on its line.

    A unit wider than a whole line (a long Latin word, a line too narrow for one word) is
    cut between its characters: shown whole but broken rather than overflowing its box.
    """
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in units(paragraph):
            if not line or fits(line + unit):
                line += unit
                continue
            out.append(line.rstrip())
            line = unit.lstrip()
        out.append(line)
    lines: list[str] = []
    for line in out:
        lines.extend(_cut_characters(line, fits))
    return "\n".join(lines)


def _cut_characters(line: str, fits: Callable[[str], bool]) -> list[str]:
    if fits(line) or len(line) <= 1:
        return [line]
    pieces: list[str] = []
    piece = ""
    for ch in line:
        if piece and not fits(piece + ch):
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece]


def balanced_lines(text: str, per_line: int) -> str | None:
    """`text` in the fewest lines of at most `per_line` characters, as even as the words
    allow (a name on a tile: 就业困难人员 / 认定申请); None when a word alone is longer."""
    parts = units(text)
    if any(len(p) > per_line for p in parts):
        return None
    total = sum(len(p) for p in parts)
    for count in range(max(1, math.ceil(total / per_line)), len(parts) + 1):
        best = _split_evenly(parts, count, per_line)
        if best is not None:
            return "\n".join("".join(line).strip() for line in best)
    return None


def _split_evenly(parts: list[str], count: int, per_line: int) -> list[list[str]] | None:
    """`parts` in `count` lines, the longest line as short as possible (small n: exhaustive)."""
    best: list[list[str]] | None = None
    best_key: tuple[int, int] | None = None

    def walk(start: int, lines: list[list[str]]) -> None:
        nonlocal best, best_key
        if len(lines) == count - 1:
            rest = parts[start:]
            if not rest:
                return
            candidate = [*lines, rest]
            lengths = [sum(len(p) for p in line) for line in candidate]
            if max(lengths) > per_line:
                return
            # The longest line short; then the first line the longer (a name reads down).
            key = (max(lengths), -lengths[0])
            if best_key is None or key < best_key:
                best, best_key = candidate, key
            return
        for end in range(start + 1, len(parts)):
            walk(end, [*lines, parts[start:end]])

    walk(0, [])
    return best
