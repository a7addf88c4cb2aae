# syntax=docker/dockerfile:1
# receiptd: build on the Swift 6.3 bookworm image, run on bookworm-slim as uid
# 10001. scripts/setup.sh builds librdkafka >= 2.2 from source in the build stage
# (bookworm ships 2.0.2); the runtime stage copies only librdkafka.so.1 and the
# statically linked release binary.
#
#   docker build -t receiptd .
#   docker run --rm -e RECEIPTD_BROKERS=... -e RECEIPTD_REDIS_URL=... \
#     -e RECEIPTD_POSTGRES_URL=... -e RECEIPTD_GROUP=receiptd -p 8080:8080 receiptd
ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------- build --
FROM ${SWIFT_IMAGE} AS build
WORKDIR /src
# The same installer as a developer machine (Debian packages, librdkafka built
# into /usr/local). Copied alone first so this layer survives source changes.
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# Swift runtime and Foundation linked statically: the runtime image needs no
# Swift toolchain, only the C libraries below.
RUN swift build -c release --product receiptd --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/receiptd" /out/receiptd

# -------------------------------------------------------------------- runtime --
FROM ${RUNTIME_IMAGE}
# libhiredis, libpq, jemalloc (receiptd's heap allocator), and what the locally
# built librdkafka links against (lz4, zstd, OpenSSL, SASL, zlib, curl).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libhiredis0.14 libpq5 libjemalloc2 \
      liblz4-1 libzstd1 libssl3 libsasl2-2 zlib1g libcurl4 \
      libstdc++6 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/lib/librdkafka.so.1 /usr/local/lib/
RUN ldconfig
COPY --from=build /out/receiptd /usr/local/bin/receiptd
# Fail the image build, not the first pod start, if a shared library is missing.
RUN if ldd /usr/local/bin/receiptd | grep 'not found'; then exit 1; fi
RUN groupadd --system --gid 10001 receiptd \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin receiptd
USER 10001:10001
ENV RECEIPTD_HTTP_PORT=8080
# /healthz, /readyz, /metrics
EXPOSE 8080
# Liveness for plain Docker and compose. No curl or wget in the image: bash (in
# every Debian image) opens the TCP connection itself through /dev/tcp and sends
# a one-line HTTP/1.0 request; healthy means the status line says 200. The port
# follows RECEIPTD_HTTP_PORT when a container overrides it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${RECEIPTD_HTTP_PORT:-8080} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["receiptd"]
CMD ["run"]
