"""Benchmark: `slactl whatif` over a month of the 1M-lead ledger against one `slactl report`
of the same month (the issue's bar: under 2x)."""

from __future__ import annotations

from _run import OUT, ROOT, SLACTL, run


def main() -> None:
    db = OUT / "ledger.db"
    if not db.exists():
        raise SystemExit("run bench/bench_import.py first: it builds bench/out/ledger.db")
    draft = OUT / "draft.yaml"
    text = (ROOT / "agreements" / "acme-2024.yaml").read_text()
    draft.write_text(
        text.replace("within: 4 business hours", "within: 2 business hours").replace(
            'mon-fri: "09:00-17:00"', 'mon-fri: "09:00-17:00"\n    sat: "10:00-14:00"'
        )
    )
    env = {"SLACTL_DB": str(db), "SLACTL_AGREEMENTS": str(ROOT / "agreements")}
    common = ["--month", "2024-05", "--as-of", "2024-06-03T09:00", "--format", "json"]
    t_report = min(run([SLACTL, "report", *common], env=env)[0] for _ in range(2))
    t_whatif, m_whatif = min(
        run([SLACTL, "whatif", str(draft), *common], env=env) for _ in range(2)
    )
    print("| what | seconds | x report | peak MB |")
    print("|---|---:|---:|---:|")
    print(f"| slactl report --month 2024-05 | {t_report:.2f} | 1.0x | |")
    print(
        f"| slactl whatif draft.yaml --month 2024-05 | {t_whatif:.2f} | {t_whatif / t_report:.2f}x"
        f" | {m_whatif:.0f} |"
    )


if __name__ == "__main__":
    main()
