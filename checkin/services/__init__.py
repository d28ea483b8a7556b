"""Operations on the model: plain functions that take a session; the caller commits."""
