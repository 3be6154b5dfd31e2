"""Experiments: design (sample size, MDE, duration), analysis (Welch t, delta method,
CUPED, Bayesian chance to beat control, SRM, participation, guardrails) and uplift
(Qini and uplift curves, uplift models). See docs/experiments.md."""

from idic.customize.experiments.analysis import analyze_arrays, analyze_file, analyze_table
from idic.customize.experiments.design import design, mde_mean, mde_proportion
from idic.customize.experiments.stats import ArmStats, compare, posterior, srm_p_value

__all__ = ["ArmStats", "analyze_arrays", "analyze_file", "analyze_table", "compare", "design",
           "mde_mean", "mde_proportion", "posterior", "srm_p_value"]
