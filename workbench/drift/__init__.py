"""Drift: what changed between a reference and a current window, and since when.

Pure statistics live one per module (:mod:`~workbench.drift.ks`, :mod:`~workbench.drift.psi`,
:mod:`~workbench.drift.chisquare`, :mod:`~workbench.drift.jensen_shannon`,
:mod:`~workbench.drift.wasserstein`) and register themselves with a default threshold.
Detectors ``fit`` a reference into mergeable summaries and ``compute`` current windows;
:func:`compare` builds a per-column :class:`DriftReport`; :func:`drift_over_time` does it per
window; a frame held in partitions (:class:`Partitioned`, e.g. a Dask frame) is fitted and
computed from merged partition summaries (:meth:`ReferenceProfile.fit_partitions`,
:meth:`ReferenceProfile.compute_partitions`, :func:`drift_over_time_partitions`);
:mod:`workbench.drift.control` has control charts with run rules; :mod:`~workbench.drift.alerts`
turns a YAML policy into alert rows. Everything is imported lazily.

>>> import workbench.drift as drift
>>> sorted(drift.available())[:3]
['chi2', 'jensen_shannon', 'jensen_shannon_categorical']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench._lazy import lazy_exports

# public name -> "module:attribute" (imported on first use)
_LAZY = {
    "available": "workbench.drift._registry:available",
    "get_statistic": "workbench.drift._registry:get",
    "ks_2samp": "workbench.drift.ks:ks_2samp",
    "psi_categorical": "workbench.drift.psi:psi_categorical",
    "chi2_categorical": "workbench.drift.chisquare:chi2_categorical",
    "jensen_shannon_categorical": "workbench.drift.jensen_shannon:jensen_shannon_categorical",
    "wasserstein_normalised": "workbench.drift.wasserstein:wasserstein_normalised",
    "NumericSummary": "workbench.drift._summary:NumericSummary",
    "CategoricalSummary": "workbench.drift._summary:CategoricalSummary",
    "NumericDriftDetector": "workbench.drift._detectors:NumericDriftDetector",
    "CategoricalDriftDetector": "workbench.drift._detectors:CategoricalDriftDetector",
    "TextDriftDetector": "workbench.drift._text:TextDriftDetector",
    "domain_classifier_test": "workbench.drift._text:domain_classifier_test",
    "compare": "workbench.drift._report:compare",
    "DriftReport": "workbench.drift._report:DriftReport",
    "ReferenceProfile": "workbench.drift._report:ReferenceProfile",
    "drift_over_time": "workbench.drift._over_time:drift_over_time",
    "drift_over_time_partitions": "workbench.drift._partitions:drift_over_time_partitions",
    "Partitioned": "workbench.drift._partitions:Partitioned",
    "MAX_POINTS": "workbench.drift._partitions:MAX_POINTS",
    "DriftOverTime": "workbench.drift._over_time:DriftOverTime",
    "AlertPolicy": "workbench.drift.alerts:AlertPolicy",
    "evaluate_alerts": "workbench.drift.alerts:evaluate_alerts",
}

if TYPE_CHECKING:
    from workbench.drift._detectors import CategoricalDriftDetector, NumericDriftDetector
    from workbench.drift._over_time import DriftOverTime, drift_over_time
    from workbench.drift._partitions import MAX_POINTS, Partitioned, drift_over_time_partitions
    from workbench.drift._registry import available
    from workbench.drift._registry import get as get_statistic
    from workbench.drift._report import DriftReport, ReferenceProfile, compare
    from workbench.drift._summary import CategoricalSummary, NumericSummary
    from workbench.drift._text import TextDriftDetector, domain_classifier_test
    from workbench.drift.alerts import AlertPolicy, evaluate_alerts
    from workbench.drift.chisquare import chi2_categorical
    from workbench.drift.jensen_shannon import jensen_shannon_categorical
    from workbench.drift.ks import ks_2samp
    from workbench.drift.psi import psi_categorical
    from workbench.drift.wasserstein import wasserstein_normalised

__all__ = [
    "AlertPolicy",
    "CategoricalDriftDetector",
    "CategoricalSummary",
    "DriftOverTime",
    "DriftReport",
    "MAX_POINTS",
    "Partitioned",
    "NumericDriftDetector",
    "NumericSummary",
    "ReferenceProfile",
    "TextDriftDetector",
    "available",
    "chi2_categorical",
    "compare",
    "domain_classifier_test",
    "drift_over_time",
    "drift_over_time_partitions",
    "evaluate_alerts",
    "get_statistic",
    "jensen_shannon_categorical",
    "ks_2samp",
    "psi_categorical",
    "wasserstein_normalised",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
