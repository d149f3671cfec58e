"""Session-wide fixtures: the synthetic corpus, generated once, and a server over it.

`synthetic_corpus` is `vtdata.synthetic.generate(tmp, SyntheticSpec(seed=0))` (default spec:
24 WebVid-like clips, 6 narrated videos, 12 images; ~1 s to make). `synthetic_server` serves it
on 127.0.0.1 for the whole session: tests that assert on `requests` should `reset()` it first or
filter by their own paths. `synthetic_native` holds the native metadata files for that server
(no rows routed through fault mode: call `synthetic_corpus.write_native(url, dir, broken=...)`
for those).
"""

from __future__ import annotations

import pytest

from vtdata.synthetic import NativeFiles, SyntheticCorpus, SyntheticServer, SyntheticSpec, generate


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCorpus:
    return generate(tmp_path_factory.mktemp("synthetic"), SyntheticSpec(seed=0))


@pytest.fixture(scope="session")
def synthetic_server(synthetic_corpus: SyntheticCorpus):
    with SyntheticServer(synthetic_corpus.root) as server:
        yield server


@pytest.fixture(scope="session")
def synthetic_native(
    synthetic_corpus: SyntheticCorpus,
    synthetic_server: SyntheticServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> NativeFiles:
    return synthetic_corpus.write_native(synthetic_server.url, tmp_path_factory.mktemp("native"))
