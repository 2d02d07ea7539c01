"""Settings for the hall benchmark: the app's own, plus a bare view to compare with."""

from appraisal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
