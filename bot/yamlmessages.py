"""What `bot.yamlfile` tells an admin about a YAML file, in Chinese and English.

One table, so that every message has both languages (a test walks it). PyYAML's own
reasons for a syntax error are English; the common ones are said again here in words
an admin can act on, and any other is passed on as it is.
"""

from __future__ import annotations

from typing import Any

from bot.text import Text

MESSAGES = {
    # reading a file
    "not_found": Text(zh="找不到文件", en="file not found"),
    "unreadable": Text(zh="读不了这个文件({reason})", en="cannot read file ({reason})"),
    "not_a_file": Text(
        zh="不是普通文件(是文件夹、管道或设备)",
        en="is not a regular file (a folder, a pipe or a device)",
    ),
    "too_large": Text(
        zh="文件超过 {limit:,} 字节,是不是打开错了文件?",
        en="file is larger than {limit:,} bytes; is it the right file?",
    ),
    "not_utf8": Text(
        zh="文件不是 UTF-8 编码的文本;请用编辑器“另存为”UTF-8 编码再试",
        en="file is not UTF-8 text; save it as UTF-8 and try again",
    ),
    "control_character": Text(
        zh="有看不见的控制字符 {code},YAML 里不允许;请删掉它",
        en="invisible control character {code} is not allowed in YAML; delete it",
    ),
    "syntax": Text(zh="YAML 格式错误:{reason}", en="YAML syntax error: {reason}"),
    "empty": Text(zh="文件是空的", en="file is empty"),
    # what the file holds
    "alias": Text(
        zh="不允许用别名(*名字);请把内容完整写出来",
        en="aliases (*name) are not allowed; write the value out in full",
    ),
    "tag": Text(
        zh="不允许用标签 '{tag}';请删掉它,如果 '!' 是文字的一部分,就给整个值加上引号",
        en="the tag '{tag}' is not allowed; remove it, or quote the value if the '!' is text",
    ),
    "too_deep": Text(zh="嵌套超过了 {limit} 层", en="nested more than {limit} levels deep"),
    "key_not_text": Text(zh="字段名必须是普通文字", en="a key must be plain text"),
    "duplicate_key": Text(
        zh="字段 '{key}' 重复了(第一次在第 {first} 行);只保留一个",
        en="duplicate key '{key}' (first at line {first}); keep only one",
    ),
    "long_number": Text(
        zh="{digits} 位的数字太长了;如果它是文字,请加上引号",
        en="a number with {digits} digits is too long; quote it if it is meant as text",
    ),
    "bad_value": Text(
        zh="'{value}' 不是{kind};请改正,如果它是文字,请加上引号",
        en="'{value}' is not {kind}; correct it, or quote it if it is meant as text",
    ),
    # checking fields
    "not_mapping": Text(
        zh="应该是一组“字段: 值”,而不是{kind}", en="should be a mapping of fields, not {kind}"
    ),
    "unknown_field": Text(zh="未知字段 '{key}'{hint}", en="unknown field '{key}'{hint}"),
    "did_you_mean": Text(zh="(是不是想写 '{name}'?)", en=" (did you mean '{name}'?)"),
    "allowed": Text(zh="(可以用的字段:{names})", en=" (allowed: {names})"),
    "missing_field": Text(zh="缺少必填字段 '{key}'", en="missing required field '{key}'"),
    "empty_value": Text(zh="不能为空", en="must not be empty"),
    "not_text": Text(zh="应该是文字,而不是{kind}", en="should be text, not {kind}"),
    "colon_in_text": Text(
        zh="应该是文字,而不是一组“字段: 值”;文字里有英文冒号加空格时,请给整句加上英文双引号",
        en="should be text, not a mapping; if the text holds ': ', put it in double quotes",
    ),
    "not_list": Text(zh="应该是列表,而不是{kind}", en="should be a list, not {kind}"),
    "too_few": Text(
        zh="至少要有 {least} 条,现在只有 {count} 条",
        en="needs at least {least} entries, has {count}",
    ),
    "not_boolean": Text(
        zh="应该是 true 或 false,而不是{kind}", en="should be true or false, not {kind}"
    ),
}
"""Every message `bot.yamlfile` gives an admin."""

KINDS = {
    "empty": Text(zh="空的", en="empty"),
    "mapping": Text(zh="一组“字段: 值”", en="a mapping"),
    "list": Text(zh="列表", en="a list"),
    "text": Text(zh="文字", en="text"),
    "boolean": Text(zh="true/false", en="true/false"),
    "number": Text(zh="数字", en="a number"),
    "whole_number": Text(zh="整数", en="a whole number"),
    "true_or_false": Text(zh="true 或 false", en="true or false"),
    "date": Text(zh="真实的日期", en="a real date"),
    "value": Text(zh="有效的值", en="a value"),
}
"""What a value is (or should be), as the messages above name it."""

SYNTAX_REASONS = {
    "could not find expected ':'": Text(
        zh="找不到英文冒号加空格“: ”(常见原因:用了中文冒号“：”,或冒号后面没有空格;"
        "错处可能在上一行)",
        en="could not find expected ':' (a full-width colon “：”, or no space after ':'? "
        "the mistake may be on the line above)",
    ),
    "found a tab character that violates indentation": Text(
        zh="有 Tab 字符;缩进只能用空格", en="found a tab character: indent with spaces only"
    ),
    "found character '\\t' that cannot start any token": Text(
        zh="有 Tab 字符;缩进只能用空格", en="found a tab character: indent with spaces only"
    ),
    "did not find expected ',' or ']'": Text(
        zh="方括号 [ ] 没有配对,或者列表里少了英文逗号“, ”",
        en="did not find expected ',' or ']' (an unclosed [ or a missing comma?)",
    ),
    "did not find expected ',' or '}'": Text(
        zh="花括号 { } 没有配对,或者里面少了英文逗号“, ”",
        en="did not find expected ',' or '}' (an unclosed { or a missing comma?)",
    ),
    "mapping values are not allowed here": Text(
        zh="这里不能有“: ”(常见原因:缩进不对,或者一句话里有英文冒号加空格却没加英文双引号)",
        en="mapping values are not allowed here (wrong indentation, or ': ' inside text "
        "that is not quoted?)",
    ),
    "did not find expected key": Text(
        zh="缩进没对齐:同一层的行,开头的空格要一样多",
        en="did not find expected key (lines at the same level must be indented alike)",
    ),
    "did not find expected '-' indicator": Text(
        zh="列表没对齐:同一个列表里每行的 '- ' 要对齐",
        en="did not find expected '-' indicator (list items must line up)",
    ),
    "found unexpected end of stream": Text(
        zh="文件在引号或括号结束之前就完了:检查引号、括号是否成对",
        en="found unexpected end of stream (an unclosed quote or bracket?)",
    ),
}
"""PyYAML's commonest reasons, said so an admin can fix them (the key is PyYAML's text)."""


def say(name: str, /, **values: Any) -> Text:
    """The message `name` of `MESSAGES`, filled in, in both languages."""
    return MESSAGES[name].fill(**values)


def syntax_reason(reason: str) -> Text:
    """PyYAML's reason for a syntax error, in words an admin can act on where we know it."""
    for known, text in SYNTAX_REASONS.items():
        if reason.startswith(known):
            return text
    return Text(zh=reason, en=reason)
