"""The failure-clusters page puts each fitted topic on its dataset row, from public results."""

from __future__ import annotations

import numpy as np

import workbench.schema as S
from workbench.app._clusters import cluster_dataset
from workbench.app._dataset import Dataset


def test_cluster_dataset_attaches_topics_by_row(small_frame):
    f = small_frame.copy()
    failing = ~(f["rule__no_pii"] & f["rule__not_empty"]).to_numpy()
    kinds = ["call me at 555-01{:02d} about order {}", "sorry, I cannot help with refund {1}"]
    f.loc[failing, S.OUTPUT] = [kinds[i % 2].format(i % 100, i) for i in range(int(failing.sum()))]
    ds = Dataset.from_frame(f, label="t", validate=False)
    res = cluster_dataset(ds, umap_epochs=30, cache_dir=False)
    a = res["clusterer"].assignments_
    assert (ds.frame[S.RECORD_ID].to_numpy()[a["row"]] == a[S.RECORD_ID].to_numpy()).all()
    topic = np.asarray(ds.topic_levels)[ds.topic_code]
    np.testing.assert_array_equal(topic[a["row"]], a[S.TOPIC].to_numpy(dtype=np.int64))
    assert (topic[~failing] == S.NOT_CLUSTERED).all() and len(a) == failing.sum()
    tmap = res["map"]
    rows = tmap["row"].astype(int).to_numpy()
    assert (ds.frame[S.RECORD_ID].to_numpy()[rows] == tmap[S.RECORD_ID].to_numpy()).all()
