"""mx.contrib.text.embedding: custom, composite and pre-trained token embeddings."""
import collections
import hashlib

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.contrib import text


def _write(path, lines, encoding="utf8"):
    path.write_text("".join(line + "\n" for line in lines), encoding=encoding)
    return str(path)


@pytest.fixture
def two_token_file(tmp_path):
    return _write(tmp_path / "vecs.txt", ["a\t0.1\t0.2\t0.3", "b\t0.4\t0.5\t0.6"])


def _vocab(**kwargs):
    counter = collections.Counter(["a", "b", "b", "c", "c", "c"])
    return text.vocab.Vocabulary(counter, **kwargs)


def test_custom_embedding_loads_vectors_and_unknown(two_token_file):
    embed = text.embedding.CustomEmbedding(two_token_file, "\t", init_unknown_vec=mx.nd.ones)
    assert embed.idx_to_token == ["<unk>", "a", "b"] and embed.vec_len == 3
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(),
                               [[1, 1, 1], [.1, .2, .3], [.4, .5, .6]], rtol=1e-6)
    np.testing.assert_allclose(embed.get_vecs_by_tokens("zzz").asnumpy(), [1, 1, 1])
    np.testing.assert_allclose(embed.get_vecs_by_tokens(["B", "a"]).asnumpy(),
                               [[1, 1, 1], [.1, .2, .3]], rtol=1e-6)
    np.testing.assert_allclose(
        embed.get_vecs_by_tokens(["B"], lower_case_backup=True).asnumpy(), [[.4, .5, .6]],
        rtol=1e-6)


def test_unknown_token_vector_from_file_and_duplicates_and_header(tmp_path):
    path = _write(tmp_path / "v.txt", ["2 3", "x 1 2 3", "<u> 7 8 9", "x 4 5 6"])
    with pytest.warns(UserWarning) as warned:
        embed = text.embedding.CustomEmbedding(path, unknown_token="<u>")
    messages = " ".join(str(w.message) for w in warned)
    assert "header" in messages and "duplicate" in messages
    assert embed.idx_to_token == ["<u>", "x"]
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), [[7, 8, 9], [1, 2, 3]])


def test_encoding_and_reserved_tokens_stay_aligned(tmp_path):
    path = _write(tmp_path / "v.txt", ["é,1,2", "<pad>,5,6", "z,3,4"], encoding="latin-1")
    embed = text.embedding.CustomEmbedding(path, ",", encoding="latin-1",
                                           reserved_tokens=["<pad>"])
    assert embed.idx_to_token == ["<unk>", "<pad>", "é", "z"]
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), [[0, 0], [5, 6], [1, 2], [3, 4]])


def test_bad_files_raise(tmp_path):
    with pytest.raises(ValueError, match="valid path"):
        text.embedding.CustomEmbedding(str(tmp_path / "missing.txt"))
    with pytest.raises(AssertionError, match="line 2"):
        text.embedding.CustomEmbedding(_write(tmp_path / "a.txt", ["a 1 2", "b"]))
    with pytest.raises(AssertionError, match="dimension of token b is 3"):
        text.embedding.CustomEmbedding(_write(tmp_path / "b.txt", ["a 1 2", "b 1 2 3"]))


def test_vocabulary_restricts_and_reindexes(two_token_file):
    vocab = _vocab(reserved_tokens=["<pad>"])
    embed = text.embedding.CustomEmbedding(two_token_file, "\t", vocabulary=vocab)
    assert embed.idx_to_token == ["<unk>", "<pad>", "c", "b", "a"]
    assert embed.reserved_tokens == ["<pad>"]
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(),
                               [[0, 0, 0], [0, 0, 0], [0, 0, 0], [.4, .5, .6], [.1, .2, .3]],
                               rtol=1e-6)


def test_composite_concatenates_and_update_token_vectors(tmp_path, two_token_file):
    other = text.embedding.CustomEmbedding(
        _write(tmp_path / "o.txt", ["c 9 8", "<unk> 5 4", "a 7 6"]))
    first = text.embedding.CustomEmbedding(two_token_file, "\t", init_unknown_vec=mx.nd.ones)
    composite = text.embedding.CompositeEmbedding(_vocab(), [first, other])
    assert composite.token_to_idx == {"<unk>": 0, "c": 1, "b": 2, "a": 3}
    assert composite.vec_len == 5
    np.testing.assert_allclose(composite.idx_to_vec.asnumpy(),
                               [[1, 1, 1, 5, 4], [1, 1, 1, 9, 8], [.4, .5, .6, 5, 4],
                                [.1, .2, .3, 7, 6]], rtol=1e-6)
    composite.update_token_vectors(["c", "a"], mx.nd.array([[1, 2, 3, 4, 5], [6, 7, 8, 9, 0]]))
    composite.update_token_vectors("<unk>", mx.nd.array([0, 0, 0, 0, 0]))
    np.testing.assert_allclose(composite.idx_to_vec.asnumpy()[[0, 1, 3]],
                               [[0, 0, 0, 0, 0], [1, 2, 3, 4, 5], [6, 7, 8, 9, 0]])
    with pytest.raises(ValueError, match="Token zzz is unknown"):
        composite.update_token_vectors("zzz", mx.nd.array([0, 0, 0, 0, 0]))
    with pytest.raises(AssertionError):
        composite.update_token_vectors("c", mx.nd.array([0, 0]))
    with pytest.raises(AssertionError):
        composite.update_token_vectors(["c", "a"], mx.nd.array([0, 0, 0, 0, 0]))
    with pytest.raises(AssertionError):
        text.embedding.CompositeEmbedding(_vocab(), ["not an embedding"])


def test_pretrained_file_names():
    names = text.embedding.get_pretrained_file_names()
    # counts and names as MXNet 1.9.1 lists them
    assert len(names["glove"]) == 10 and len(names["fasttext"]) == 327
    assert names["glove"][:2] == ["glove.42B.300d.txt", "glove.6B.50d.txt"]
    assert names["fasttext"][:2] == ["crawl-300d-2M.vec", "wiki.aa.vec"]
    assert text.embedding.get_pretrained_file_names("glove") == names["glove"]
    with pytest.raises(KeyError):
        text.embedding.get_pretrained_file_names("unknown$$")
    with pytest.raises(KeyError, match="Cannot find pretrained file"):
        text.embedding.create("GloVe", pretrained_file_name="nope.txt")


def test_pretrained_download_fails_clearly_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:9/")
    with pytest.raises(mx.base.MXNetError, match="place glove.6B.50d.txt in"):
        text.embedding.create("glove", pretrained_file_name="glove.6B.50d.txt",
                              embedding_root=str(tmp_path))


def test_registered_embedding_uses_file_in_place(tmp_path):
    content = "hello 1 2\nworld 3 4\n"
    sha1 = hashlib.sha1(content.encode()).hexdigest()

    @text.embedding.register
    class LocalTest(text.embedding._TokenEmbedding):
        pretrained_file_name_sha1 = {"local.vec": sha1}

        def __init__(self, embedding_root):
            super().__init__()
            path = LocalTest._get_pretrained_file(embedding_root, "local.vec")
            self._load_embedding(path, " ", mx.nd.zeros)

    (tmp_path / "localtest").mkdir()
    (tmp_path / "localtest" / "local.vec").write_text(content)
    embed = text.embedding.create("LOCALTEST", embedding_root=str(tmp_path))
    assert isinstance(embed, LocalTest) and embed.token_to_idx["world"] == 2
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), [[0, 0], [1, 2], [3, 4]])
    assert text.embedding.get_pretrained_file_names("localtest") == ["local.vec"]
    with pytest.raises(AssertionError, match="not registered"):
        text.embedding.create("no-such-embedding")
