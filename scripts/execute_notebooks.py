"""Execute notebooks headlessly through real Jupyter (nbclient) and export HTML.

Usually run through `npm run execute-notebooks` (scripts/execute-notebooks.ts),
which picks the right python and sets JUPYTER_PATH so the project-local
`faultline` kernelspec (jupyter/kernels/faultline) is found.

    python scripts/execute_notebooks.py --out build/notebooks [--timeout 300]
        [--kernel faultline] [--jobs 2] NOTEBOOK.ipynb...

For every notebook: start a fresh kernel (cwd = the notebook's folder), run
the code cells in order, stop at the first failing cell, and write the
executed copy (with whatever outputs were produced, so a failure can be
inspected) to OUT/NAME.ipynb and an HTML export to OUT/NAME.html. Exit status
is 1 when any notebook failed, 2 on bad usage.

With --jobs N (default 2), up to N notebooks run at once, each in a forked
child of this script with its own kernel: a kernel spends most of its time
in one single-threaded node process (tslab compiling cells, the simulations),
so two of them keep two cores busy. Each notebook's lines are printed together
when it finishes. Notebooks start longest first, by the times their executed
copies in OUT recorded last run (new ones first of all).

A cell fails when its execute_reply status is anything but 'ok' -- including
'abort', which nbclient itself does not treat as an error. tslab (the
TypeScript kernel) reports compile errors only as stderr text plus an 'error'
reply (no ename/traceback), and answers 'abort' to every execute request that
arrives within 200 ms after an error. Cells tagged `raises-exception` may fail
(nbclient convention); the runner then waits out tslab's abort window before
sending the next cell.
"""

import argparse
import asyncio
import json
import os
import multiprocessing
import re
import sys
import tempfile
import time
import traceback
from datetime import datetime
from typing import Any, Dict, List, Optional

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbconvert import HTMLExporter
except ImportError as exc:  # pragma: no cover - reported to the user
    sys.stderr.write(
        f"error: {sys.executable} cannot import Jupyter ({exc}).\n"
        "Run `npm run setup`, or set FAULTLINE_PYTHON to a python with notebook, nbclient and nbconvert.\n"
    )
    sys.exit(2)


class QuickHTMLExporter(HTMLExporter):
    """nbconvert's HTML export without validating after each of its preprocessors.

    nbconvert checks the notebook against the nbformat schema after every
    preprocessor (11 of them), and nbformat 5.5 (Debian 12's) compiles the
    schema again on every check with relax_add_props: ~1.3 s of a 3 s export,
    per notebook. The notebook was validated when nbformat read it, and the
    export only renders it.
    """

    def _validate_preprocessor(self, nbc: Any, preprocessor: Any) -> None:
        pass


FORK = multiprocessing.get_context("fork")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# tslab drops every execute request that arrives within this window after an error.
TSLAB_ABORT_WINDOW_S = 0.35
SOURCE_LINES = 6
ERROR_LINES = 40


class CellFailed(Exception):
    """Raised from the on_cell_executed hook to stop at the first failing cell."""

    def __init__(self, cell_index: int, status: str) -> None:
        super().__init__(f"cell {cell_index + 1} replied {status!r}")
        self.cell_index = cell_index
        self.status = status


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def indent(text: str, prefix: str = "    | ", limit: int = ERROR_LINES) -> str:
    lines = text.rstrip("\n").splitlines() or [""]
    shown = lines[:limit]
    out = "\n".join(prefix + line for line in shown)
    if len(lines) > limit:
        out += f"\n{prefix}... ({len(lines) - limit} more lines)"
    return out


def error_text(cell: Any) -> str:
    """The stderr stream text and error outputs of a cell, ANSI-stripped."""
    parts: List[str] = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream" and output.get("name") == "stderr":
            parts.append(output.get("text", ""))
        elif kind == "error":
            tb = "\n".join(output.get("traceback") or [])
            parts.append(tb or f"{output.get('ename', '')}: {output.get('evalue', '')}")
    return strip_ansi("".join(p if p.endswith("\n") else p + "\n" for p in parts if p))


def shown_path(path: str) -> str:
    """Relative to the current folder when inside it, absolute otherwise."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute)
    except ValueError:  # another drive on Windows
        return absolute
    return absolute if rel.startswith("..") else rel


def allows_errors(cell: Any) -> bool:
    return "raises-exception" in cell.get("metadata", {}).get("tags", [])


class Runner:
    def __init__(self, kernel: str, timeout: Optional[int], out_dir: str) -> None:
        self.kernel = kernel
        self.timeout = timeout
        self.out_dir = out_dir

    def describe_failure(self, nb_label: str, nb: Any, index: int, headline: str) -> str:
        cell = nb.cells[index]
        source = cell.get("source", "")
        src_lines = source.splitlines()
        shown = "\n".join(src_lines[:SOURCE_LINES])
        if len(src_lines) > SOURCE_LINES:
            shown += f"\n... ({len(src_lines) - SOURCE_LINES} more lines)"
        message = [
            f"FAILED {nb_label}: cell {index + 1} of {len(nb.cells)} (index {index}): {headline}",
            "  source:",
            indent(shown),
        ]
        errors = error_text(cell)
        if errors.strip():
            message += ["  error output (stderr / traceback):", indent(errors)]
        else:
            message.append("  (the cell produced no stderr or error output)")
        return "\n".join(message)

    def run(self, nb_path: str) -> bool:
        nb_label = shown_path(nb_path)
        name = os.path.splitext(os.path.basename(nb_path))[0]
        out_ipynb = os.path.join(self.out_dir, name + ".ipynb")
        out_html = os.path.join(self.out_dir, name + ".html")
        try:
            nb = nbformat.read(nb_path, as_version=4)
        except Exception as exc:  # noqa: BLE001
            print(f"FAILED {nb_label}: cannot read notebook: {exc}", flush=True)
            return False

        replies: Dict[int, Dict[str, Any]] = {}

        async def on_cell_executed(cell: Any, cell_index: int, execute_reply: Optional[Dict[str, Any]]) -> None:
            status = (execute_reply or {}).get("content", {}).get("status", "missing reply")
            replies[cell_index] = {"status": status}
            if status == "ok":
                return
            if status == "error" and allows_errors(cell):
                # Expected failure; let tslab's post-error abort window pass.
                await asyncio.sleep(TSLAB_ABORT_WINDOW_S)
                return
            raise CellFailed(cell_index, status)

        client = NotebookClient(
            nb,
            kernel_name=self.kernel,
            timeout=self.timeout,
            startup_timeout=120,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(nb_path))}},
            on_cell_executed=on_cell_executed,
        )

        print(f"executing {nb_label} ...", flush=True)
        failure: Optional[str] = None
        try:
            client.execute()
        except CellFailed as exc:
            if exc.status == "abort":
                headline = ("the kernel aborted the cell (reply status 'abort'; tslab aborts requests "
                            "that arrive right after an error)")
            elif exc.status == "error":
                headline = "the cell raised an error (reply status 'error')"
            else:
                headline = f"unexpected reply status {exc.status!r}"
            failure = self.describe_failure(nb_label, nb, exc.cell_index, headline)
        except CellTimeoutError as exc:
            index = self.current_index(nb, replies)
            headline = f"timed out after {self.timeout} s"
            failure = (self.describe_failure(nb_label, nb, index, headline) if index is not None
                       else f"FAILED {nb_label}: {headline}: {exc}")
        except DeadKernelError as exc:
            index = self.current_index(nb, replies)
            headline = f"the kernel died ({exc})"
            failure = (self.describe_failure(nb_label, nb, index, headline) if index is not None
                       else f"FAILED {nb_label}: {headline}")
        except Exception as exc:  # noqa: BLE001 - kernel start failures, NoSuchKernel, ...
            detail = strip_ansi("".join(traceback.format_exception_only(type(exc), exc))).strip()
            failure = (f"FAILED {nb_label}: could not run the notebook with kernel {self.kernel!r}: {detail}\n"
                       "  (is the kernelspec on JUPYTER_PATH and node_modules/tslab installed? try `npm run setup`)")

        self.write_outputs(nb, out_ipynb, out_html)
        if failure:
            print(failure, flush=True)
            print(f"  partial outputs: {shown_path(out_ipynb)} and {shown_path(out_html)}", flush=True)
            return False
        code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
        print(f"ok {nb_label}: {code_cells} code cells -> {shown_path(out_ipynb)}, {shown_path(out_html)}",
              flush=True)
        return True

    @staticmethod
    def current_index(nb: Any, replies: Dict[int, Dict[str, Any]]) -> Optional[int]:
        """Index of the first code cell that has no reply yet (the one running)."""
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and index not in replies:
                return index
        return None

    @staticmethod
    def write_outputs(nb: Any, out_ipynb: str, out_html: str) -> None:
        os.makedirs(os.path.dirname(out_ipynb) or ".", exist_ok=True)
        nbformat.write(nb, out_ipynb)
        # Default (lab) template; sanitize_html off so text/html outputs keep
        # their inline <script> (Plotly charts render in the export).
        exporter = QuickHTMLExporter()
        exporter.sanitize_html = False
        body, _ = exporter.from_notebook_node(nb)
        with open(out_html, "w", encoding="utf-8") as handle:
            handle.write(body)


def previous_seconds(out_dir: str, nb_path: str) -> Optional[float]:
    """How long the notebook's cells took in the executed copy a previous run left in out_dir."""
    name = os.path.splitext(os.path.basename(nb_path))[0]
    try:
        with open(os.path.join(out_dir, name + ".ipynb"), encoding="utf-8") as handle:
            cells = json.load(handle).get("cells", [])
        stamps = [(c["metadata"]["execution"]["iopub.status.busy"], c["metadata"]["execution"]["iopub.status.idle"])
                  for c in cells if c.get("cell_type") == "code" and "execution" in c.get("metadata", {})]
        if not stamps:
            return None
        start = datetime.fromisoformat(stamps[0][0].replace("Z", "+00:00"))
        end = datetime.fromisoformat(stamps[-1][1].replace("Z", "+00:00"))
        return (end - start).total_seconds()
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def longest_first(out_dir: str, notebooks: List[str]) -> List[str]:
    """Notebooks ordered by their last run's time, longest first (never run: first of all), so that
    two workers finish together instead of one running the longest notebook alone at the end."""
    seconds = {nb: previous_seconds(out_dir, nb) for nb in notebooks}
    return sorted(notebooks, key=lambda nb: -(seconds[nb] if seconds[nb] is not None else float("inf")))


def run_in_parallel(args: Any) -> List[str]:
    """Run each notebook through this script (--jobs 1) in a child, at most args.jobs at once."""
    pending = longest_first(args.out, list(args.notebooks))
    running: List[Any] = []
    failed: List[str] = []
    while pending or running:
        while pending and len(running) < args.jobs:
            nb = pending.pop(0)
            argv = ["--jobs", "1", "--out", args.out, "--timeout", str(args.timeout), "--kernel", args.kernel, nb]
            log = tempfile.TemporaryFile("w+")  # not a pipe: a chatty child cannot block on a full one
            # Forked, not a new python: the child starts with Jupyter's modules already imported (~0.5 s each).
            sys.stdout.flush()  # or the child inherits (and repeats) what is still buffered
            proc = FORK.Process(target=child, args=(argv, log.fileno()))
            proc.start()
            running.append((nb, proc, log))
        time.sleep(0.2)
        for entry in list(running):
            nb, proc, log = entry
            if proc.exitcode is None:
                continue
            proc.join()
            running.remove(entry)
            log.seek(0)
            output = log.read()
            log.close()
            # Keep the child's lines about its notebook, not its one-notebook summary.
            lines = [line for line in output.splitlines()
                     if line.strip() and not re.match(r"^1 notebooks? executed|^  failed: ", line)]
            print("\n".join(lines), flush=True)
            if proc.exitcode != 0:
                failed.append(nb)
    return failed


def child(argv: List[str], log_fd: int) -> None:
    """One notebook in a forked child, as `execute_notebooks.py --jobs 1 ...` would run it, output to log_fd."""
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    code = 1
    try:
        code = main(argv)
    except BaseException:  # noqa: BLE001 - reported in the log, counted as a failure
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", help="notebooks to execute")
    parser.add_argument("--out", default=os.path.join("build", "notebooks"), help="output folder")
    parser.add_argument("--timeout", type=int, default=300, help="per-cell timeout in seconds (0 = none)")
    parser.add_argument("--kernel", default="faultline", help="kernel name")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks to run at once (default 2)")
    args = parser.parse_args(argv)

    names: Dict[str, str] = {}
    for nb_path in args.notebooks:
        name = os.path.basename(nb_path)
        if name in names and os.path.abspath(names[name]) != os.path.abspath(nb_path):
            parser.error(f"{nb_path} and {names[name]} would both be written to {args.out}/{name}")
        names[name] = nb_path

    if args.jobs > 1 and len(args.notebooks) > 1:
        failed = run_in_parallel(args)
    else:
        runner = Runner(args.kernel, args.timeout if args.timeout > 0 else None, args.out)
        failed = []
        for nb in args.notebooks:
            started = time.monotonic()
            if not runner.run(nb):
                failed.append(nb)
            print(f"  {time.monotonic() - started:.1f} s", flush=True)
    total = len(args.notebooks)
    noun = "notebook" if total == 1 else "notebooks"
    print(f"\n{total} {noun} executed, {len(failed)} failed", flush=True)
    for nb in failed:
        print(f"  failed: {shown_path(nb)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
