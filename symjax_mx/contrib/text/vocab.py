"""Vocabulary: token <-> index, the unknown token at index 0, reserved tokens next, then
the counted tokens by falling frequency (ties in token order)."""
import collections

__all__ = ["Vocabulary"]

UNKNOWN_IDX = 0


class Vocabulary:
    """Indices for ``unknown_token``, ``reserved_tokens`` and the keys of ``counter`` seen
    at least ``min_freq`` times (at most ``most_freq_count`` of them)."""

    def __init__(self, counter=None, most_freq_count=None, min_freq=1, unknown_token="<unk>",
                 reserved_tokens=None):
        if min_freq <= 0:
            raise AssertionError("`min_freq` must be set to a positive value.")
        if reserved_tokens is not None:
            if unknown_token in set(reserved_tokens):
                raise AssertionError("`reserved_token` cannot contain `unknown_token`.")
            if len(set(reserved_tokens)) != len(reserved_tokens):
                raise AssertionError("`reserved_tokens` cannot contain duplicate reserved "
                                     "tokens.")
        self._unknown_token = unknown_token
        self._reserved_tokens = None if reserved_tokens is None else list(reserved_tokens)
        self._idx_to_token = [unknown_token] + list(reserved_tokens or [])
        self._token_to_idx = {token: idx for idx, token in enumerate(self._idx_to_token)}
        if counter is not None:
            self._index_counter_keys(counter, most_freq_count, min_freq)

    def _index_counter_keys(self, counter, most_freq_count, min_freq):
        """Index the most frequent keys of ``counter``."""
        if not isinstance(counter, collections.Counter):
            raise AssertionError("`counter` must be an instance of collections.Counter.")
        special = set(self._idx_to_token)
        token_freqs = sorted(counter.items(), key=lambda item: item[0])
        token_freqs.sort(key=lambda item: item[1], reverse=True)
        token_cap = len(special) + (len(counter) if most_freq_count is None
                                    else most_freq_count)
        for token, freq in token_freqs:
            if freq < min_freq or len(self._idx_to_token) == token_cap:
                break
            if token not in special:
                self._idx_to_token.append(token)
                self._token_to_idx[token] = len(self._idx_to_token) - 1

    def __len__(self):
        return len(self._idx_to_token)

    @property
    def token_to_idx(self):
        """dict: token -> index."""
        return self._token_to_idx

    @property
    def idx_to_token(self):
        """list: index -> token."""
        return self._idx_to_token

    @property
    def unknown_token(self):
        """The token every unknown token maps to."""
        return self._unknown_token

    @property
    def reserved_tokens(self):
        """The reserved tokens (a list), or None."""
        return self._reserved_tokens

    def to_indices(self, tokens):
        """The index of a token, or the list of indices of a list of tokens (unknown: 0)."""
        if not isinstance(tokens, list):
            return self._token_to_idx.get(tokens, UNKNOWN_IDX)
        return [self._token_to_idx.get(token, UNKNOWN_IDX) for token in tokens]

    def to_tokens(self, indices):
        """The token of an index, or the list of tokens of a list of indices."""
        single = not isinstance(indices, list)
        tokens = []
        for idx in [indices] if single else indices:
            if not isinstance(idx, int) or idx > len(self._idx_to_token) - 1:
                raise ValueError(f"Token index {idx} in the provided `indices` is invalid.")
            tokens.append(self._idx_to_token[idx])
        return tokens[0] if single else tokens
