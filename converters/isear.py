"""ISEAR (Scherer & Wallbott 1994): 7,666 self-reported situations for 7 emotions (1,096 respondent ids).

Native layouts, all exports of the databank ``isear.mdb`` (file ``isear.csv``, ``ISEAR.csv``,
``DATA.csv`` or ``isear_databank.csv``; UTF-8, else Windows-1252 as exported):

* the ``|``-separated databank export: the codebook header ``ID|CITY|COUN|SUBJ|SEX|AGE|...|EMOT|
  ...|Field1|Field3|Field2|MYKEY|SIT|STATE|`` with a trailing ``|`` on every line. About 2% of
  the lines carry extra ``|`` inside ``SIT`` (44-52 fields instead of 43: the export wrote some
  of the situation's line breaks as ``|``), so ``SIT`` is every field between ``MYKEY`` and
  ``STATE``; a record cut by a real line break goes on on the next line. Quotes were exported as
  ``\\...\\"`` and are restored to ``"``;
* the same databank with ``,`` (a CSV with the codebook header);
* the semicolon export ``Field1;SIT`` (emotion name and situation, texts quoted, line breaks kept);
* the two-column ``emotion,text`` file, with or without a header line.

Codebook: ``ID`` respondent, ``SEX`` (1 female, 2 male), ``AGE``, ``EMOT`` (1 joy, 2 fear, 3 anger,
4 sadness, 5 disgust, 6 shame, 7 guilt), ``MYKEY`` situation key; every other codebook column
goes to ``extra``. Respondents are the speakers (one situation per emotion each). The databank's
line-break marker (``á``, or U+FFFD where an export lost it) before a line break, a ``|`` or a space
becomes a single space. Databank rows are keyed by ``MYKEY``; the exports without it by record
number (``00001``...), in file order.
"""
from __future__ import annotations

import csv
import io
import re

from emodata.convert import ConversionContext, ConversionError, Converter

EMOT = {"1": "joy", "2": "fear", "3": "anger", "4": "sadness", "5": "disgust", "6": "shame", "7": "guilt"}
SEX = {"1": "female", "2": "male"}
MARKER_RE = re.compile(r"[ \t]*(?:[\xe1\ufffd](?=\s|$)|\r?\n)\s*")
NOT_EXTRA = ("SIT", "EMOT", "Field1", "AGE", "SEX", "")


def clean(text: str) -> str:
    """A situation on one line: line breaks and their markers become a space; quote escapes undone."""
    text = MARKER_RE.sub(" ", text).strip()
    if "\\" in text:   # the | export wrote "a" as \a\" and closed the field with an extra "
        text = text.removesuffix('"').rstrip().replace('\\"', '"').replace("\\", '"')
    return text


class Isear(Converter):
    name = "isear"
    version = "2"
    label_map = {e: e for e in EMOT.values()}
    defaults = {"language": "en", "modalities": ["text"], "perspective": "self-reported", "elicitation": "induced"}

    def samples(self, ctx: ConversionContext):
        path = ctx.find("isear.csv", "ISEAR.csv", "DATA.csv", "isear_databank.csv",
                        expect="the ISEAR databank exported to CSV")
        ctx.record(path)
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        header = text.partition("\n")[0].rstrip("\r")
        if "SIT" in header and header.count("|") > max(header.count(","), header.count(";")):
            records = self._pipe_records(ctx, path, text)
        elif "SIT" in header:
            delimiter = ";" if header.count(";") > header.count(",") else ","
            reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
            records = ((reader.line_num, rec) for rec in reader)
        else:
            records = self._two_columns(ctx, path, text)
        for n, (line, rec) in enumerate(records, 1):
            with ctx.at(path, line):
                yield self._row(ctx, n, rec)

    @staticmethod
    def _pipe_records(ctx: ConversionContext, path, text: str):
        """(line, record) of the ``|`` export: fields past the header's count belong to SIT."""
        lines = [line.rstrip("\r") for line in text.split("\n")]
        names = lines[0].split("|")
        sit = names.index("SIT")
        i = 1
        while i < len(lines):
            start, record = i + 1, lines[i]
            while sit <= record.count("|") < len(names) - 1 and i + 1 < len(lines):  # a line break inside SIT
                i += 1
                record += "\n" + lines[i]
            i += 1
            fields = record.split("|")
            if len(fields) < len(names):
                if record.strip():
                    ctx.fail(f"expected {len(names)} |-separated fields ({'|'.join(names)}), found {len(fields)}",
                             path, start)
                continue
            extra = len(fields) - len(names)
            fields[sit:sit + extra + 1] = ["\n".join(fields[sit:sit + extra + 1])]
            yield start, dict(zip(names, fields))

    @staticmethod
    def _two_columns(ctx: ConversionContext, path, text: str):
        """(line, record) of the ``emotion,text`` file; a first line that names no emotion is a header."""
        reader = csv.reader(io.StringIO(text, newline=""))
        for fields in reader:
            if not fields or (reader.line_num == 1 and fields[0].strip().lower() not in EMOT.values()):
                continue
            if len(fields) != 2:
                ctx.fail(f"expected 2 fields (emotion, text), found {len(fields)}", path, reader.line_num)
                continue
            yield reader.line_num, {"Field1": fields[0], "SIT": fields[1]}

    def _row(self, ctx: ConversionContext, n: int, rec: dict) -> dict:
        if "SIT" not in rec or ("EMOT" not in rec and "Field1" not in rec):
            raise ConversionError(f"expected the columns SIT and EMOT or Field1; found {sorted(rec)}")
        text = clean(rec["SIT"])
        if "EMOT" not in rec:                                    # Field1;SIT and emotion,text exports
            return ctx.row(f"{n:05d}", "all", text=text, native_label=rec["Field1"].strip().lower())
        code = rec["EMOT"].strip()
        if code not in EMOT:
            raise ConversionError(f"EMOT {code!r}; expected one of {sorted(EMOT)}")
        age = rec.get("AGE", "").strip()
        native_id = rec.get("MYKEY", "").strip() or f"{rec['ID'].strip()}-{code}"
        return ctx.row(native_id, "all", text=text, native_label=EMOT[code], speaker_id=rec["ID"].strip(),
                       speaker_gender=SEX.get(rec.get("SEX", "").strip()),
                       speaker_age=float(age) if age and float(age) > 0 else None,
                       extra={k: v.strip().strip('"') for k, v in rec.items()
                              if k not in NOT_EXTRA and v and v.strip().strip('"')})


CONVERTER = Isear()
