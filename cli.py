"""The ``budgetqa`` command: ingest, index, versions, restore, upgrade, stats, check, ask, search, serve.

Each subcommand is a thin shell over the package that does the work, so the
page, the tests and the terminal all run the same code.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import json
import os
import socket
import sys
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from db.engine import make_engine
from db.migrate import upgrade
from db.stats import stats
from ingest.pipeline import document_count, ingest_paths
from ingest.versions import VersionError, documents, history, resolve, restore

# Model seconds ``budgetqa ingest`` spends on dense vectors of what it just ingested before it
# returns; vectors the embedding cache holds cost none and are always written.  None by
# default: on two busy cores a 2-second budget bought 32 of the 936 chunks of the sample
# .txt files and cost 4 s of wall time (a batch, once started, runs to its end), so the
# dense work is left to ``budgetqa index`` and ``budgetqa serve``.
DENSE_SECONDS = 0.0

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from db.vector import VectorIndex


def _vector_index(engine: Engine) -> VectorIndex:
    """The vector index, brought in step with the SQL store; says which retrieval mode runs."""
    from db.vector import VectorIndex  # chromadb is slow to import; stats and check do not need it

    index = VectorIndex(engine)
    index.sync()
    print(f"检索方式：{index.mode}", file=sys.stderr)
    return index


def _printable(text: str) -> str:
    """Text safe for a terminal: control characters and escape codes (a file may be named with them)
    are shown escaped (``\x1b``) instead of being acted on; Chinese text and spaces stay as they are."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp") else ch
        for ch in text
    )


def _cmd_ingest(args: argparse.Namespace) -> int:
    """SQL store and lexical index now; dense vectors for at most ``--dense-seconds`` of model time."""
    engine = make_engine()
    index = _vector_index(engine)
    bar = lambda items: tqdm(items, desc="入库", unit="个文件", file=sys.stderr)  # noqa: E731
    results = ingest_paths(engine, [Path(p) for p in args.paths], hook=index, progress=bar)
    for result in results:
        print(_printable(result.describe()), file=sys.stderr if result.failed else sys.stdout)
    failed = sum(r.failed for r in results)
    print(f"共 {len(results)} 个文件，失败 {failed} 个。")
    index.fill_dense(seconds=args.dense_seconds, document_ids=index.written)
    progress = index.progress()
    if progress.pending:
        print(f"{progress.describe()}：运行 budgetqa index 现在算完，或由 budgetqa serve 在后台计算。",
              file=sys.stderr)
    return 1 if failed else 0


def _cmd_index(args: argparse.Namespace) -> int:
    """Finish every pending dense vector now, with a progress bar."""
    del args
    index = _vector_index(make_engine())
    with tqdm(desc="语义索引", unit="段", file=sys.stderr) as bar:

        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        written = index.fill_dense(progress=advance)
    print(f"新算语义向量 {written} 段；{index.progress().describe()}。")
    return 0


def _cmd_upgrade(args: argparse.Namespace) -> int:
    """Create or upgrade the store's schema (the page and the other commands do it on start too)."""
    before, after = upgrade(make_engine(migrate=False))
    if before == after:
        print(f"数据库结构已是最新版本（{after}），无需升级。")
    elif before is None:
        print(f"已新建数据库，结构版本 {after}。")
    else:
        print(f"数据库结构已从版本 {before} 升级到 {after}，原有数据保留。")
    return 0


def _cmd_versions(args: argparse.Namespace) -> int:
    """Every version of one document (or of all), newest first."""
    engine = make_engine()
    try:
        names = [resolve(engine, args.path)] if args.path else documents(engine)
    except VersionError as exc:
        print(_printable(str(exc)), file=sys.stderr)
        return 1
    if not names:
        print("库中还没有任何文档。")
    for identity in names:
        found = history(engine, identity)
        if not found:
            print(_printable(f"{identity}：库中没有这个文档的版本记录"), file=sys.stderr)
            return 1
        print(_printable(f"{identity}（{len(found)} 个版本）"))
        for v in found:
            note = "" if v.restorable else "（原文件未保存，不能恢复）"
            when = v.ingested_at.astimezone()  # the terminal's local time
            print(_printable(f"  {v.status_name:　<4}  {v.sha256[:12]}  {when:%Y-%m-%d %H:%M}  "
                             f"{v.ingested_by or '—'}  {v.file_name}  {v.size:,} 字节{note}"))
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    """Make an earlier version current again."""
    engine = make_engine()
    try:
        result = restore(engine, resolve(engine, args.path), args.version, hook=_vector_index(engine))
    except VersionError as exc:
        print(_printable(str(exc)), file=sys.stderr)
        return 1
    print(_printable(result.describe()), file=sys.stderr if result.failed else sys.stdout)
    return 1 if result.failed else 0


def _cmd_stats(args: argparse.Namespace) -> int:
    data = stats(make_engine())
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    print("各表行数：")
    for table, n in data["tables"].items():
        print(f"  {table}: {n}")
    print("各文档：")
    for doc in data["documents"]:
        primary = "" if doc["rendition_of"] is None else f"（{doc['rendition_of']} 的另一版本）"
        print(f"  {_printable(doc['file_name'])}{_printable(primary)}: " + "，".join(
            f"{k} {v}" for k, v in doc["counts"].items()))
    return 0


def _print_answer(answer) -> None:
    print(answer.text)
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            print(_printable(f"  [{c.source} {c.location()}] {c.text.strip()[:120]}"))


def _cmd_ask(args: argparse.Namespace) -> int:
    from assistant.service import Assistant, Conversation

    assistant = Assistant(mode=args.engine)
    if args.question == "-":
        # batch: one question per line, each answered on its own (same answers as one by one)
        for line in sys.stdin:
            if not line.strip():
                continue
            answer = assistant.ask(line.strip(), Conversation())
            print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        return 0
    answer = assistant.ask(args.question, Conversation())
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve the page; on an empty store, first ingest ``--samples`` exactly as ``budgetqa ingest`` would.

    Refusals come first, in one Chinese line and before Gradio is imported: listening
    beyond this machine without ``BUDGETQA_PASSWORD``, or a port already taken.
    """
    password = os.environ.get("BUDGETQA_PASSWORD") or None
    problem = serve_problem(args.host, args.port, password)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    engine = make_engine()
    if args.samples and document_count(engine) == 0:
        print(f"库中还没有文件，先导入样例：{args.samples}", file=sys.stderr)
        _cmd_ingest(argparse.Namespace(paths=[args.samples], dense_seconds=0))
    from app import serve  # importing Gradio takes seconds; the other subcommands do not pay for it

    threading.Thread(target=_fill_pending, args=(engine,), name="budgetqa-dense", daemon=True).start()
    try:
        serve(engine, args.host, args.port, password, os.environ.get("BUDGETQA_ADMIN_PASSWORD") or None)
    except OSError as exc:  # the port was taken between the check and the start
        print(serve_problem(args.host, args.port, password) or f"页面无法启动：{exc}", file=sys.stderr)
        return 1
    return 0


def _fill_pending(engine: Engine) -> None:
    """Serve's background work: open the index, then compute pending dense vectors for good.

    Run in a thread from the start, because opening the index imports Chroma (seconds) and
    the page should not wait for that either.
    """
    from db.backfill import DenseBackfill

    DenseBackfill(_vector_index(engine)).run()


def serve_problem(host: str, port: int, password: str | None) -> str | None:
    """Why the page cannot be served as asked, in one Chinese line; ``None`` when it can."""
    if not _loopback(host) and not password:
        return (f"在 {host} 上监听会让局域网内的其他电脑打开本页面，必须先设置访问密码："
                "请设置环境变量 BUDGETQA_PASSWORD（只在本机使用请用 --host 127.0.0.1）。")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # the option uvicorn sets too, so a port in TIME_WAIT after a restart does not count as busy
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"端口 {port} 已被占用（可能已有一个问答页面在运行）："
                        "请用 --port 或环境变量 BUDGETQA_PORT 换一个端口。")
            return f"无法在 {host}:{port} 上监听（{exc.strerror}）：请检查 --host 或环境变量 BUDGETQA_HOST。"
    return None


def _loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _cmd_search(args: argparse.Namespace) -> int:
    """Top matches by meaning, each with its score and the source row it is cited from."""
    from db.citations import Citation

    try:
        matches = _vector_index(make_engine()).search(args.text, k=args.k, mode=args.mode)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([m.to_json() for m in matches], ensure_ascii=False, indent=2))
        return 0
    if not matches:
        print("没有找到相关内容。")
    for i, m in enumerate(matches, 1):
        where = Citation(source=m.file_name, text=m.text, line=m.line, page=m.page, sheet=m.sheet,
                         row=m.row).location()
        print(_printable(f"{i}. {m.name}  得分 {m.score:.3f}  [{m.file_name} {where}]"))
        print(f"   {m.field_label}：{m.text.strip()[:120]}")
    return 0


def _cmd_teach(args: argparse.Namespace) -> int:
    """Teach a wording; refused (exit 2) with the reason when the target is not understood."""
    from assistant.semantic.teach import TeachError
    from assistant.service import Assistant

    try:
        taught = Assistant().teach(args.alias, args.target, args.by or "")
    except TeachError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"已记住：“{taught.alias}”即“{taught.target}”。")
    return 0


def _cmd_taught(args: argparse.Namespace) -> int:
    from assistant.service import Assistant

    words = Assistant().taught()
    if args.json:
        print(json.dumps([{"alias": t.alias, "target": t.target, "taught_by": t.taught_by,
                           "taught_at": t.taught_at.isoformat()} for t in words],
                         ensure_ascii=False, indent=2))
        return 0
    if not words:
        print("还没有教过任何说法。")
    for t in words:
        print(f"{t.alias} → {t.target}（{t.taught_by or '未注明'}，{t.taught_at:%Y-%m-%d %H:%M}）")
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from assistant.service import Assistant

    if Assistant().forget(args.alias):
        print(f"已删除：“{args.alias}”。")
        return 0
    print(f"没有教过“{args.alias}”这个说法。", file=sys.stderr)
    return 1


def _cmd_check(args: argparse.Namespace) -> int:
    """The reconciliation report; always exit 0, because findings inform rather than fail."""
    from assistant.checks import render_text, report_json, run_checks

    findings = run_checks(make_engine())
    if args.json:
        print(json.dumps(report_json(findings), ensure_ascii=False, indent=2))
    else:
        print(render_text(findings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options."""
    parser = argparse.ArgumentParser(prog="budgetqa", description="预算问答：入库、核对、问答")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="导入文件或文件夹")
    p.add_argument("paths", nargs="+", help="文件或文件夹")
    p.add_argument("--dense-seconds", type=float, default=DENSE_SECONDS, metavar="秒",
                   help="入库后最多用多少秒计算语义向量，其余留给 budgetqa index 或页面后台"
                        f"（默认 {DENSE_SECONDS}）")
    p.set_defaults(func=_cmd_ingest)
    p = sub.add_parser("index", help="算完所有待算的语义向量（带进度条）")
    p.set_defaults(func=_cmd_index)
    p = sub.add_parser("versions", help="列出文档的各个版本（不给路径则列出全部文档）")
    p.add_argument("path", nargs="?", metavar="路径", help="文档标识（见 versions 的输出）或文件路径")
    p.set_defaults(func=_cmd_versions)
    p = sub.add_parser("restore", help="把文档恢复为以前的某个版本")
    p.add_argument("path", metavar="路径", help="文档标识（见 versions 的输出）或文件路径")
    p.add_argument("version", metavar="版本哈希前缀", help="要恢复的版本的哈希或其开头几位")
    p.set_defaults(func=_cmd_restore)
    p = sub.add_parser("upgrade", help="把数据库结构升级到最新版本（启动时也会自动升级）")
    p.set_defaults(func=_cmd_upgrade)
    p = sub.add_parser("stats", help="各表、各文档的行数")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=_cmd_stats)
    p = sub.add_parser("check", help="核对报告：目录与绩效目标表、部门写法、权重、单位、合计等不一致之处")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=_cmd_check)
    p = sub.add_parser("ask", help="提问（- 表示从标准输入逐行读取问题）")
    p.add_argument("question", help="问题；- 表示每行一个问题的批量模式")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--engine", choices=["rules", "llm"], default=None,
                   help="rules：内置规则引擎（默认）；llm：通过 BUDGETQA_LLM_* 配置的大模型")
    p.set_defaults(func=_cmd_ask)
    p = sub.add_parser("teach", help="教一个说法：别名即库中已有的名称或词（如 医保中心 → 医疗保障事务中心）")
    p.add_argument("alias", help="别名（问题里会出现的说法）")
    p.add_argument("target", help="指向：库中的部门、专项、指标、科目名称，或词表里的词")
    p.add_argument("--by", help="教词人（默认取环境变量 BUDGETQA_USER）")
    p.set_defaults(func=_cmd_teach)
    p = sub.add_parser("taught", help="列出教过的说法")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(func=_cmd_taught)
    p = sub.add_parser("forget", help="删除一个教过的说法")
    p.add_argument("alias", help="别名")
    p.set_defaults(func=_cmd_forget)
    p = sub.add_parser("search", help="按意思检索：列出最相关的专项、段落及其来源")
    p.add_argument("text", help="要找的内容，如“哪个项目管污水处理设施？”")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（按得分从高到低）")
    p.add_argument("--mode", choices=["fused", "lexical", "dense"], default="fused",
                   help="fused：字词+语义融合（默认）；lexical：仅字词；dense：仅语义模型")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.set_defaults(func=_cmd_search)
    p = sub.add_parser("serve", help="启动问答页面")
    p.add_argument("--host", default=os.environ.get("BUDGETQA_HOST", "127.0.0.1"),
                   help="监听地址（默认 127.0.0.1，或环境变量 BUDGETQA_HOST；0.0.0.0 供局域网访问，"
                        "须设 BUDGETQA_PASSWORD）")
    p.add_argument("--port", type=int, default=int(os.environ.get("BUDGETQA_PORT", "7860")),
                   help="端口（默认 7860，或环境变量 BUDGETQA_PORT）")
    p.add_argument("--samples", metavar="DIR",
                   help="库中还没有文件时，先导入这个文件夹（make run 用 data/samples）")
    p.set_defaults(func=_cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
