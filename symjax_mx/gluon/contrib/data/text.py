"""Word-level language-model datasets: WikiText-2 and WikiText-103 read from the
``wiki.<segment>.tokens`` files under ``root`` (their archive downloaded when absent)."""
import os
import zipfile

import numpy as np

from .... import base
from .... import ndarray as nd
from ....contrib import text
from ...data.dataset import DownloadedDataset, local_dataset_file

__all__ = ["WikiText2", "WikiText103"]

EOS_TOKEN = "<eos>"


class _WikiText(DownloadedDataset):
    """Samples of ``seq_len`` token indices and the next token of each as the label; each
    line ends with ``<eos>``; the vocabulary is built from the segment unless given."""

    def __init__(self, root, namespace, vocab, segment, seq_len, archive, data_files):
        self._namespace = namespace
        self._vocab = vocab
        self._counter = None
        self._segment = segment
        self._seq_len = seq_len
        self._archive_file = archive
        self._data_file = data_files
        super().__init__(root, None)

    @property
    def vocabulary(self):
        """The ``mx.contrib.text.vocab.Vocabulary`` indexing the tokens."""
        return self._vocab

    @property
    def frequencies(self):
        """The Counter of the segment's tokens (None with a given vocabulary)."""
        return self._counter

    def _read_batch(self, filename):
        """(data, label) int32 token indices of the whole file, label shifted by one."""
        with open(filename, "r", encoding="utf8") as source:
            content = source.read()
        if not self._counter:
            self._counter = text.utils.count_tokens_from_str(content)
        if not self._vocab:
            self._vocab = text.vocab.Vocabulary(counter=self._counter,
                                                reserved_tokens=[EOS_TOKEN])
        lines = [line.split() + [EOS_TOKEN] for line in content.splitlines() if line.split()]
        indices = self._vocab.to_indices([token for line in lines for token in line])
        return np.array(indices[:-1], dtype=np.int32), np.array(indices[1:], dtype=np.int32)

    def _get_data(self):
        data_name, data_sha1 = self._data_file[self._segment]
        if not os.path.exists(os.path.join(self._root, data_name)):
            archive = local_dataset_file(self._root, self._namespace, *self._archive_file)
            with zipfile.ZipFile(archive, "r") as files:
                for member in files.namelist():
                    if os.path.basename(member):
                        with open(os.path.join(self._root, os.path.basename(member)), "wb") as out:
                            out.write(files.read(member))
        data, label = self._read_batch(local_dataset_file(self._root, self._namespace, data_name,
                                                   data_sha1))
        usable = len(data) // self._seq_len * self._seq_len
        self._data = nd.array(data[:usable], dtype=data.dtype).reshape((-1, self._seq_len))
        self._label = nd.array(label[:usable], dtype=label.dtype).reshape((-1, self._seq_len))

    def __getitem__(self, idx):
        return self._data[idx], self._label[idx]


class WikiText2(_WikiText):
    """WikiText-2 (Salesforce research, CC BY-SA): ``segment`` 'train', 'validation' or
    'test' in samples of ``seq_len`` tokens."""

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "wikitext-2"),
                 segment="train", vocab=None, seq_len=35):
        super().__init__(root, "wikitext-2", vocab, segment, seq_len,
                         ("wikitext-2-v1.zip", "3c914d17d80b1459be871a5039ac23e752a53cbe"),
                         {"train": ("wiki.train.tokens",
                                    "863f29c46ef9d167fff4940ec821195882fe29d1"),
                          "validation": ("wiki.valid.tokens",
                                         "0418625c8b4da6e4b5c7a0b9e78d4ae8f7ee5422"),
                          "test": ("wiki.test.tokens",
                                   "c7b8ce0aa086fb34dab808c5c49224211eb2b172")})


class WikiText103(_WikiText):
    """WikiText-103 (Salesforce research, CC BY-SA): ``segment`` 'train', 'validation' or
    'test' in samples of ``seq_len`` tokens."""

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "wikitext-103"),
                 segment="train", vocab=None, seq_len=35):
        super().__init__(root, "wikitext-103", vocab, segment, seq_len,
                         ("wikitext-103-v1.zip", "0aec09a7537b58d4bb65362fee27650eeaba625a"),
                         {"train": ("wiki.train.tokens",
                                    "b7497e2dfe77e72cfef5e3dbc61b7b53712ac211"),
                          "validation": ("wiki.valid.tokens",
                                         "c326ac59dc587676d58c422eb8a03e119582f92b"),
                          "test": ("wiki.test.tokens",
                                   "8a5befc548865cec54ed4273cf87dbbad60d1e47")})
