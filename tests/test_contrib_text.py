"""mx.contrib.text (token counting, Vocabulary) and gluon.contrib.data.text's WikiText
datasets read from local files (the word_language_model example's data). Literal
expectations come from the same calls on MXNet 1.9.1."""
import collections

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.contrib import text


def test_count_tokens_from_str():
    counts = text.utils.count_tokens_from_str(" Life is great ! \n life is good . \n",
                                              to_lower=True)
    assert sorted(counts.items()) == [("!", 1), (".", 1), ("good", 1), ("great", 1),
                                      ("is", 2), ("life", 2)]
    counter = collections.Counter(["a"])
    assert text.utils.count_tokens_from_str("*a*b*\n*b*", "\\*", "\n",
                                            counter_to_update=counter) is counter
    assert sorted(counter.items()) == [("a", 2), ("b", 2)]


def test_vocabulary_orders_by_frequency_then_token():
    counts = collections.Counter("b a c b a d b".split())
    vocab = text.vocab.Vocabulary(counts, most_freq_count=2, reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "b", "a"] and len(vocab) == 4
    assert vocab.to_indices(["a", "zz", "b"]) == [3, 0, 2] and vocab.to_indices("c") == 0
    assert vocab.to_tokens([2, 0]) == ["b", "<unk>"] and vocab.to_tokens(3) == "a"
    assert text.vocab.Vocabulary(counts, min_freq=2).idx_to_token == ["<unk>", "b", "a"]
    with pytest.raises(ValueError, match="Token index 9"):
        vocab.to_tokens(9)
    with pytest.raises(AssertionError, match="unknown_token"):
        text.vocab.Vocabulary(reserved_tokens=["<unk>"])


def test_wikitext2_reads_a_local_segment(tmp_path):
    (tmp_path / "wiki.valid.tokens").write_text("\n = x y = \n a b a \n\n b c \n")
    with pytest.warns(UserWarning, match="SHA-1"):
        data = mx.gluon.contrib.data.text.WikiText2(str(tmp_path), "validation", seq_len=3)
    assert len(data) == 3
    assert data.vocabulary.idx_to_token == ["<unk>", "<eos>", "=", "a", "b", "c", "x", "y"]
    assert sorted(data.frequencies.items()) == [("=", 2), ("a", 2), ("b", 2), ("c", 1),
                                                ("x", 1), ("y", 1)]
    sample, label = data[1]
    assert sample.dtype == label.dtype == np.int32
    assert sample.asnumpy().tolist() == [2, 1, 3] and label.asnumpy().tolist() == [1, 3, 4]
    assert data._label.asnumpy().tolist() == [[6, 7, 2], [1, 3, 4], [3, 1, 4]]
