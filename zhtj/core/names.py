"""What a typed name may hold (SEC-06, ORG-04, MEM-01): one place for the person-name rule and
the character rule of organization names, for every path that takes one (forms, Excel rows,
registration, the org info's 书记姓名, the ops command loading leadership organs)."""

import re
import unicodedata

# MEM-01: a person's 姓名 -- Chinese characters, the middle dots of minority names, Latin letters.
PERSON_NAME = re.compile(r"[\u4e00-\u9fa5·•A-Za-z ]{2,30}")
PERSON_NAME_RULE = "应为2至30个汉字（少数民族姓名可含“·”）"

# Organization names: markup brackets, and characters no unit's name has -- control and format
# characters (zero-width joiners, direction overrides), private-use and unassigned code points,
# emoji and other pictographs (Unicode "So"; "Sk" holds the emoji skin-tone modifiers).
FORBIDDEN_IN_ORG_NAMES = frozenset("<>")
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "So", "Sk"})
ORG_NAME_CHARACTERS_RULE = "只能由汉字、字母、数字和括号、“·”“-”等常用标点组成，不能含有“<”“>”、表情符号或控制字符"


def person_name_problem(name, label="姓名"):
    """Why `name` can't be a person's name (MEM-01), or None."""
    if not name:
        return f"请填写{label}。"
    if not PERSON_NAME.fullmatch(name):
        return f"{label}格式不正确：{PERSON_NAME_RULE}。"
    return None


def _shown(ch):
    printable = ch.isprintable() and unicodedata.category(ch)[0] != "C"
    return f"“{ch}”" if printable else f"不可见字符 U+{ord(ch):04X}"


def org_name_characters_problem(name, label="组织简称"):
    """Why `name` holds a character no organization name may hold (ORG-04/05), or None."""
    for position, ch in enumerate(name or "", start=1):
        if ch in FORBIDDEN_IN_ORG_NAMES or unicodedata.category(ch) in FORBIDDEN_CATEGORIES:
            return f"{label}{ORG_NAME_CHARACTERS_RULE}（第{position}个字符为{_shown(ch)}）。"
    return None
