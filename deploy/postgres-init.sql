-- One database per bounded context (docker-compose.yml mounts this into PostgreSQL's
-- /docker-entrypoint-initdb.d; deploy/run-local.sh creates the same ones with psql).
CREATE DATABASE alpes_clientes;
CREATE DATABASE alpes_afiliados;
CREATE DATABASE alpes_campanias;
CREATE DATABASE alpes_conversiones;
CREATE DATABASE alpes_pagos;
