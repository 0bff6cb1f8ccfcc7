"""What the question log keeps of residents' free text: personal numbers masked, and the
text itself only for a while.

Residents type their mobile number or their ID number into a question ("我的手机
13812345678 收不到验证码"); the log would keep it in clear, and a teach would copy it
into the knowledge base. `mask_personal` replaces mainland mobile numbers (1[3-9] and
nine digits, spaces or dashes allowed between the groups) and 18-character resident ID
numbers (the last may be X) before a question is stored; `RETENTION_DAYS` is how long
the text is kept at all (the counts the report needs stay).
"""

from __future__ import annotations

import re

RETENTION_DAYS = 180
"""Default days a logged question's text is kept (config: question_retention_days)."""
MOBILE_MASK = "[手机号]"
ID_MASK = "[身份证号]"

_DIGIT = "[0-9０-９]"
_SEPARATOR = r"[ \-－]?"
# Not inside a longer run of digits: an order number that holds 11 digits is no phone.
_ID_NUMBER = re.compile(rf"(?<![0-9０-９]){_DIGIT}{{17}}[0-9０-９XxＸｘ](?![0-9０-９])")
_MOBILE = re.compile(
    rf"(?<![0-9０-９])[1１][3-9３-９]{_DIGIT}{_SEPARATOR}{_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}"
    r"(?![0-9０-９])"
)


def mask_personal(text: str) -> str:
    """`text` with mobile and ID numbers replaced by [手机号] and [身份证号]."""
    return _MOBILE.sub(MOBILE_MASK, _ID_NUMBER.sub(ID_MASK, text))
