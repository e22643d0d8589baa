"""The ``budgetqa`` command: ingest, index, stats, check, ask, search, serve.

Each subcommand is a thin shell over the package that does the work, so the
page, the tests and the terminal all run the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from db.engine import make_engine
from db.stats import stats
from ingest.pipeline import document_count, ingest_paths

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


def _cmd_ingest(args: argparse.Namespace) -> int:
    """SQL store and lexical index now; dense vectors for at most ``--dense-seconds`` of model time."""
    engine = make_engine()
    index = _vector_index(engine)
    bar = lambda items: tqdm(items, desc="入库", unit="个文件", file=sys.stderr)  # noqa: E731
    results = ingest_paths(engine, [Path(p) for p in args.paths], hook=index, progress=bar)
    for result in results:
        print(result.describe(), file=sys.stderr if result.failed else sys.stdout)
    failed = sum(r.failed for r in results)
    print(f"共 {len(results)} 个文件，失败 {failed} 个。")
    if args.dense_seconds > 0:
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
        print(f"  {doc['file_name']}{primary}: " + "，".join(
            f"{k} {v}" for k, v in doc["counts"].items()))
    return 0


def _print_answer(answer) -> None:
    print(answer.text)
    if answer.citations:
        print("\n引用：")
        for c in answer.citations:
            print(f"  [{c.source} {c.location()}] {c.text.strip()[:120]}")


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
    """Serve the page; on an empty store, first ingest ``--samples`` exactly as ``budgetqa ingest`` would."""
    engine = make_engine()
    if args.samples and document_count(engine) == 0:
        print(f"库中还没有文件，先导入样例：{args.samples}", file=sys.stderr)
        _cmd_ingest(argparse.Namespace(paths=[args.samples], dense_seconds=0))
    from app import serve  # importing Gradio takes seconds; the other subcommands do not pay for it
    from db.backfill import DenseBackfill

    DenseBackfill(_vector_index(engine)).start()  # the page comes up now; dense vectors follow
    serve(engine, args.host, args.port)
    return 0


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
        print(f"{i}. {m.name}  得分 {m.score:.3f}  [{m.file_name} {where}]")
        print(f"   {m.field_label}：{m.text.strip()[:120]}")
    return 0


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
    p = sub.add_parser("search", help="按意思检索：列出最相关的专项、段落及其来源")
    p.add_argument("text", help="要找的内容，如“哪个项目管污水处理设施？”")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（按得分从高到低）")
    p.add_argument("--mode", choices=["fused", "lexical", "dense"], default="fused",
                   help="fused：字词+语义融合（默认）；lexical：仅字词；dense：仅语义模型")
    p.add_argument("-k", type=int, default=5, help="返回条数（默认 5）")
    p.set_defaults(func=_cmd_search)
    p = sub.add_parser("serve", help="启动问答页面")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
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
