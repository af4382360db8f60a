#!/bin/sh
# Runs once, when the database volume is first created: an ordinary role owning its database, and pgvector
# (creating the extension needs the superuser; Thammuu's migrations then run as `thammuu`).
set -eu
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
CREATE ROLE thammuu LOGIN PASSWORD '${THAMMUU_DB_PASSWORD}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
CREATE DATABASE thammuu OWNER thammuu;
\connect thammuu
CREATE EXTENSION IF NOT EXISTS vector;
SQL
