"""Risk early warning (风险预警) on partners' reported series — change points, anomalies, KPI
trajectories, reporting behaviour, partner risk and alerts — and a credit signal for
supply-chain finance from verified (ledger-anchored) records. See ``docs/risk.md``."""
