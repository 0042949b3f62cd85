"""The SQL face of the store, one module per concern: each holds its statements
(built once, at import) and the operations that run them on a connection.
``interpreter.store.store.SqlTransaction`` puts the concerns together."""
