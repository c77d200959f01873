"""Token embeddings: a Vocabulary whose every index also has a vector (``idx_to_vec``),
loaded from a pre-trained embedding file (GloVe, fastText, or a custom file) or
concatenated from other embeddings (CompositeEmbedding)."""
import logging
import os
import warnings
import zipfile

import numpy as np

from ... import ndarray as nd
from ...base import MXNetError, data_dir
from ...registry import Registry
from . import _pretrained
from .vocab import UNKNOWN_IDX, Vocabulary

__all__ = ["register", "create", "get_pretrained_file_names", "GloVe", "FastText",
           "CustomEmbedding", "CompositeEmbedding"]

_DEFAULT_ROOT = os.path.join(data_dir(), "embeddings")


class _TokenEmbedding(Vocabulary):
    """Base of the token embeddings: a Vocabulary plus ``idx_to_vec``, an NDArray with a
    row per indexed token (row 0: the unknown token's vector), and ``vec_len``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._vec_len = None
        self._idx_to_vec = None

    @property
    def vec_len(self):
        """The length of each embedding vector."""
        return self._vec_len

    @property
    def idx_to_vec(self):
        """NDArray (tokens, vec_len): the vector of each token index."""
        return self._idx_to_vec

    # --- loading ---------------------------------------------------------------------------

    def _load_embedding(self, pretrained_file_path, elem_delim, init_unknown_vec,
                        encoding="utf8"):
        """Index every token of a file of lines ``token<delim>v1<delim>v2...`` after the
        tokens indexed already. The first vector of a token counts (a repeat is skipped with
        a warning, as is a line with a 1-element vector: a header); the unknown token's row
        is its vector in the file, else ``init_unknown_vec(shape=vec_len)``, as are the rows
        of the reserved tokens the file lacks."""
        path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(path):
            raise ValueError("`pretrained_file_path` must be a valid path to the pre-trained "
                             "token embedding file.")
        logging.info("Loading pre-trained token embedding vectors from %s", path)
        loaded = {}  # index of a token indexed before the file (unknown, reserved) -> vector
        rows = []    # vectors of the tokens the file adds, in order
        with open(path, "r", encoding=encoding) as source:
            for line_num, line in enumerate(source, 1):
                elems = line.rstrip().split(elem_delim)
                if len(elems) <= 1:
                    raise AssertionError(f"At line {line_num} of the pre-trained text embedding "
                                         f"file: the data format of the pre-trained token "
                                         f"embedding file {path} is unexpected.")
                token, vec = elems[0], [float(x) for x in elems[1:]]
                index = self._token_to_idx.get(token)
                if index is not None and (index in loaded or index > len(self._reserved())):
                    warnings.warn(f"At line {line_num} of the pre-trained token embedding "
                                  f"file: the embedding vector for token {token} has been "
                                  f"loaded and a duplicate embedding for the same token is seen "
                                  f"and skipped.")
                    continue
                if index is None and len(vec) == 1:
                    warnings.warn(f"At line {line_num} of the pre-trained text embedding file: "
                                  f"token {token} with 1-dimensional vector {vec} is likely a "
                                  f"header and is skipped.")
                    continue
                if self._vec_len is None:
                    self._vec_len = len(vec)
                elif len(vec) != self._vec_len:
                    raise AssertionError(f"At line {line_num} of the pre-trained token "
                                         f"embedding file: the dimension of token {token} is "
                                         f"{len(vec)} but the dimension of previous tokens is "
                                         f"{self._vec_len}. Dimensions of all the tokens must "
                                         f"be the same.")
                if index is not None:
                    loaded[index] = vec
                else:
                    self._idx_to_token.append(token)
                    self._token_to_idx[token] = len(self._idx_to_token) - 1
                    rows.append(vec)
        if self._vec_len is None:
            raise ValueError(f"The pre-trained token embedding file {path} holds no "
                             f"embedding vectors.")
        indexed_before = 1 + len(self._reserved())
        initial = np.asarray(init_unknown_vec(shape=self._vec_len), dtype=np.float32)
        head = [loaded.get(i, initial) for i in range(indexed_before)]
        self._idx_to_vec = nd.array(np.array(head + rows, dtype=np.float32))

    def _reserved(self):
        return self._reserved_tokens or []

    def _index_tokens_from_vocabulary(self, vocabulary):
        """Take the indexed tokens of ``vocabulary``."""
        self._token_to_idx = dict(vocabulary.token_to_idx)
        self._idx_to_token = list(vocabulary.idx_to_token)
        self._unknown_token = vocabulary.unknown_token
        reserved = vocabulary.reserved_tokens
        self._reserved_tokens = None if reserved is None else list(reserved)

    def _set_idx_to_vec_by_embeddings(self, token_embeddings, vocab_idx_to_token):
        """``idx_to_vec``: for each token of ``vocab_idx_to_token``, the vectors of
        ``token_embeddings`` concatenated; row 0 concatenates their unknown vectors."""
        blocks = []
        for embed in token_embeddings:
            indices = [UNKNOWN_IDX] + embed._indices(vocab_idx_to_token[1:])
            blocks.append(nd.take(embed.idx_to_vec, nd.array(indices, dtype="int32")))
        self._vec_len = sum(embed.vec_len for embed in token_embeddings)
        self._idx_to_vec = blocks[0] if len(blocks) == 1 else nd.concat(*blocks, dim=1)

    def _build_embedding_for_vocabulary(self, vocabulary):
        """Keep only the vectors of the tokens of ``vocabulary``, indexed as there."""
        if vocabulary is None:
            return
        _check_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings([self], vocabulary.idx_to_token)
        self._index_tokens_from_vocabulary(vocabulary)

    # --- look-up and update ----------------------------------------------------------------

    def _indices(self, tokens, lower_case_backup=False):
        """The index of each token (else of its lower case, if ``lower_case_backup``; else
        the unknown index)."""
        def index(token):
            if lower_case_backup and token not in self._token_to_idx:
                token = token.lower()
            return self._token_to_idx.get(token, UNKNOWN_IDX)
        return [index(token) for token in tokens]

    def get_vecs_by_tokens(self, tokens, lower_case_backup=False):
        """The vector of a token (1-D), or of each token of a list (2-D); an unknown token
        gets the unknown vector. With ``lower_case_backup`` a token not indexed as it is
        is looked up in lower case."""
        single = not isinstance(tokens, list)
        indices = self._indices([tokens] if single else tokens, lower_case_backup)
        vecs = nd.Embedding(nd.array(indices), self.idx_to_vec, self.idx_to_vec.shape[0],
                            self.idx_to_vec.shape[1])
        return vecs[0] if single else vecs

    def update_token_vectors(self, tokens, new_vectors):
        """Set the vectors of indexed tokens (a token, or a list) to the rows of the NDArray
        ``new_vectors`` (1-D or 2-D for one token, 2-D for several). The unknown vector
        changes only where the unknown token itself is named."""
        if self.idx_to_vec is None:
            raise AssertionError("The property `idx_to_vec` has not been properly set.")
        if not isinstance(tokens, list) or len(tokens) == 1:
            if not (isinstance(new_vectors, nd.NDArray) and new_vectors.ndim in (1, 2)):
                raise AssertionError("`new_vectors` must be a 1-D or 2-D NDArray if `tokens` "
                                     "is a singleton.")
            tokens = tokens if isinstance(tokens, list) else [tokens]
            if new_vectors.ndim == 1:
                new_vectors = new_vectors.expand_dims(axis=0)
        elif not (isinstance(new_vectors, nd.NDArray) and new_vectors.ndim == 2):
            raise AssertionError("`new_vectors` must be a 2-D NDArray if `tokens` is a list of "
                                 "multiple strings.")
        if new_vectors.shape != (len(tokens), self.vec_len):
            raise AssertionError(f"The length of new_vectors must be equal to the number of "
                                 f"tokens and the width of new_vectors must be equal to the "
                                 f"dimension of embeddings of the glossary: got shape "
                                 f"{new_vectors.shape}, expected {(len(tokens), self.vec_len)}.")
        for token in tokens:
            if token not in self._token_to_idx:
                raise ValueError(f"Token {token} is unknown. To update the embedding vector for "
                                 f"an unknown token, please specify it explicitly as the "
                                 f"`unknown_token` {self._idx_to_token[UNKNOWN_IDX]} in `tokens`. "
                                 f"This is to avoid unintended updates.")
        indices = [self._token_to_idx[token] for token in tokens]
        self._idx_to_vec[nd.array(indices, dtype="int32")] = new_vectors

    # --- pre-trained files -----------------------------------------------------------------

    @classmethod
    def _check_pretrained_file_names(cls, pretrained_file_name):
        """KeyError unless ``pretrained_file_name`` is one of the class's files."""
        name = cls.__name__.lower()
        if pretrained_file_name not in cls.pretrained_file_name_sha1:
            raise KeyError(f"Cannot find pretrained file {pretrained_file_name} for token "
                           f"embedding {name}. Valid pretrained files for embedding {name}: "
                           f"{', '.join(cls.pretrained_file_name_sha1)}")

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        """The archive that holds ``pretrained_file_name``."""
        return pretrained_file_name

    @classmethod
    def _get_pretrained_file(cls, embedding_root, pretrained_file_name):
        """The path of ``pretrained_file_name`` under ``embedding_root/<class name>``:
        downloaded and unpacked unless a file with MXNet's SHA-1 is there; offline, an
        MXNetError says where to place it."""
        from ...gluon.utils import check_sha1, download, repo_file_url
        name = cls.__name__.lower()
        folder = os.path.join(os.path.expanduser(embedding_root), name)
        path = os.path.join(folder, pretrained_file_name)
        if os.path.exists(path) and check_sha1(path, cls.pretrained_file_name_sha1[
                pretrained_file_name]):
            return path
        archive = cls._get_download_file_name(pretrained_file_name)
        url = repo_file_url(f"gluon/embeddings/{name}/{archive}")
        archive_path = os.path.join(folder, archive)
        archive_sha1 = getattr(cls, "pretrained_archive_name_sha1",
                               cls.pretrained_file_name_sha1)[archive]
        try:
            download(url, archive_path, sha1_hash=archive_sha1, retries=0)
        except Exception as error:  # noqa: BLE001 - any download failure: place it by hand
            raise MXNetError(f"pre-trained embedding file {path} is missing and {archive} "
                             f"could not be downloaded from {url} ({type(error).__name__}); "
                             f"place {pretrained_file_name} in {folder}") from None
        if archive.endswith(".zip"):
            with zipfile.ZipFile(archive_path, "r") as packed:
                packed.extractall(folder)
        return path


def _check_vocabulary(vocabulary):
    if not isinstance(vocabulary, Vocabulary):
        raise AssertionError("The argument `vocabulary` must be an instance of "
                             "mxnet.contrib.text.vocab.Vocabulary.")


_REGISTRY = Registry(_TokenEmbedding, "token embedding", wrong_class=AssertionError)


def register(embedding_cls):
    """Class decorator: make a _TokenEmbedding subclass creatable by (lower-cased) name."""
    return _REGISTRY.register(embedding_cls)


def create(embedding_name, **kwargs):
    """An instance of the token embedding registered as ``embedding_name``
    (case-insensitive), built with ``kwargs``."""
    if isinstance(embedding_name, _TokenEmbedding):
        if kwargs:
            raise AssertionError("token embedding is already an instance. Additional "
                                 "arguments are invalid")
        return embedding_name
    embedding_cls = _REGISTRY.get(embedding_name)
    if embedding_cls is None:
        raise AssertionError(f"{embedding_name.lower()} is not registered. Please register "
                             f"with token embedding.register first; registered: "
                             f"{_REGISTRY.names()}")
    return embedding_cls(**kwargs)


def get_pretrained_file_names(embedding_name=None):
    """The pre-trained file names of embedding ``embedding_name`` (a list), or of every
    registered embedding (a dict name -> list)."""
    registered = _REGISTRY.classes
    if embedding_name is None:
        return {name: list(getattr(cls, "pretrained_file_name_sha1", {}))
                for name, cls in registered.items()}
    if embedding_name not in registered:
        raise KeyError(f"Cannot find `embedding_name` {embedding_name}. Use "
                       f"`get_pretrained_file_names(embedding_name=None).keys()` to get all the "
                       f"valid embedding names.")
    return list(getattr(registered[embedding_name], "pretrained_file_name_sha1", {}))


class _PretrainedEmbedding(_TokenEmbedding):
    """An embedding read from one of the class's downloadable files (space-delimited)."""

    def __init__(self, pretrained_file_name, embedding_root=_DEFAULT_ROOT,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        type(self)._check_pretrained_file_names(pretrained_file_name)
        super().__init__(**kwargs)
        path = type(self)._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        self._build_embedding_for_vocabulary(vocabulary)


@register
class GloVe(_PretrainedEmbedding):
    """The GloVe word embedding (https://nlp.stanford.edu/projects/glove/): the file
    ``pretrained_file_name`` of ``get_pretrained_file_names('glove')``, downloaded into
    ``embedding_root/glove``; with ``vocabulary``, only its tokens, indexed as there."""

    pretrained_file_name_sha1 = _pretrained.GLOVE_FILE_SHA1
    pretrained_archive_name_sha1 = _pretrained.GLOVE_ARCHIVE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        corpus = pretrained_file_name.split(".")[1]
        return next(archive for archive in cls.pretrained_archive_name_sha1
                    if archive.split(".")[1] == corpus)

    def __init__(self, pretrained_file_name="glove.840B.300d.txt",
                 embedding_root=_DEFAULT_ROOT, init_unknown_vec=nd.zeros, vocabulary=None,
                 **kwargs):
        super().__init__(pretrained_file_name, embedding_root, init_unknown_vec, vocabulary,
                         **kwargs)


@register
class FastText(_PretrainedEmbedding):
    """The fastText word embedding (https://fasttext.cc/): the file
    ``pretrained_file_name`` of ``get_pretrained_file_names('fasttext')``, downloaded into
    ``embedding_root/fasttext``; with ``vocabulary``, only its tokens, indexed as there."""

    pretrained_file_name_sha1 = _pretrained.FASTTEXT_FILE_SHA1
    pretrained_archive_name_sha1 = _pretrained.FASTTEXT_ARCHIVE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        return pretrained_file_name.rsplit(".", 1)[0] + ".zip"

    def __init__(self, pretrained_file_name="wiki.simple.vec", embedding_root=_DEFAULT_ROOT,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        super().__init__(pretrained_file_name, embedding_root, init_unknown_vec, vocabulary,
                         **kwargs)


class CustomEmbedding(_TokenEmbedding):
    """An embedding read from the file ``pretrained_file_path`` of lines
    ``token<elem_delim>v1<elem_delim>v2...`` in ``encoding``; with ``vocabulary``, only its
    tokens, indexed as there."""

    def __init__(self, pretrained_file_path, elem_delim=" ", encoding="utf8",
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        self._load_embedding(pretrained_file_path, elem_delim, init_unknown_vec, encoding)
        self._build_embedding_for_vocabulary(vocabulary)


class CompositeEmbedding(_TokenEmbedding):
    """The tokens of ``vocabulary``, each with the vectors of ``token_embeddings`` (one
    embedding or a list) concatenated; row 0 concatenates their unknown vectors."""

    def __init__(self, vocabulary, token_embeddings):  # pylint: disable=super-init-not-called
        _check_vocabulary(vocabulary)
        if not isinstance(token_embeddings, list):
            token_embeddings = [token_embeddings]
        for embed in token_embeddings:
            if not isinstance(embed, _TokenEmbedding):
                raise AssertionError("The argument `token_embeddings` must be an instance or a "
                                     "list of instances of "
                                     "`mxnet.contrib.text.embedding._TokenEmbedding`.")
        self._index_tokens_from_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings(token_embeddings, self._idx_to_token)
