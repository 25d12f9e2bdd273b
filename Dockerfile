# syntax=docker/dockerfile:1
# kindlyguard image: the one binary (webhook, operator, `check`, `health`) on a distroless base.
#
#   docker build -t kindlyguard:dev --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#   make image        (docker when a daemon answers, else buildah; scripts/build-image.sh)
#   make test-image   (offline: local stand-ins for both bases, then the image run as the chart runs it)
#
# Two stages. The build stage is Debian bookworm with the part of the developer toolchain that the
# binary needs (`scripts/deps.sh --build-only`, also `make deps-build`: the compiler, cmake and the
# libraries it links; no clang, Go, Node or test libraries), so the image builds what CI tests and
# its build cache stays small. The runtime stage is
# gcr.io/distroless/cc-debian12: glibc, libgcc, libstdc++ and OpenSSL 3 from the same Debian
# release, CA certificates, and no shell, package manager or other tools an intruder could use.
# The few shared libraries the binary needs beyond that (cpprestsdk, yaml-cpp, prometheus-cpp, simdjson, mimalloc and
# what they link) are copied from the build stage: RUNTIME_LIBS below lists them, BASE_LIBS lists
# what the base provides, and the build fails if `ldd` of the binary names anything else
# (tests/chart/dockerfile_test.mjs checks the same lists against a binary built outside Docker).
# Chosen over a slim Debian runtime, which would carry a shell and apt into every pod.
#
# Base images are pinned: the build stage by Debian's dated tag, the runtime by digest (update
# with `crane digest gcr.io/distroless/cc-debian12:nonroot`). Both are build arguments so that an
# offline build can use local stand-ins (scripts/test-image.sh makes them with debootstrap);
# `docker build .` without --build-arg uses the pinned public ones. No secrets are used or stored;
# the source comes from the build context only (see .dockerignore).
ARG BUILD_BASE=debian:bookworm-20250929-slim
ARG RUNTIME_BASE=gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f

FROM ${BUILD_BASE} AS build

# Shared libraries the runtime base lacks; copied next to the base's own in the runtime stage.
ARG RUNTIME_LIBS="libcpprest.so.2.10 libyaml-cpp.so.0.7 libprometheus-cpp-core.so.1.0 libprometheus-cpp-pull.so.1.0 libcivetweb.so.1 libcivetweb-cpp.so.1 libsimdjson.so.14 libmimalloc.so.2 libbrotlicommon.so.1 libbrotlidec.so.1 libbrotlienc.so.1 libz.so.1"
# What gcr.io/distroless/cc-debian12 already has, from its packages libc6, libgcc-s1, libstdc++6,
# libgomp1 and libssl3 (plus the kernel's vDSO).
ARG BASE_LIBS="linux-vdso.so.1 linux-gate.so.1 ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libresolv.so.2 libgcc_s.so.1 libstdc++.so.6 libgomp.so.1 libssl.so.3 libcrypto.so.3"

# Empty (the default, and every release): the binary is compiled here. A path in the build context
# (`make test-image KINDLY_IMAGE_BINARY=build/kindlyguard`, as CI does): a binary already built and
# tested on the same Debian release is used instead, and only the runtime libraries are installed,
# so CI does not compile the same sources a second time; every later step is the same.
ARG PREBUILT_BINARY=""

ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# Dependencies first, from the one script that lists them, so that source edits (and edits to the
# Makefile or other scripts) reuse this layer.
COPY scripts/deps.sh scripts/deps.sh
RUN if [ -n "${PREBUILT_BINARY}" ]; then scripts/deps.sh --runtime-only; else scripts/deps.sh --build-only; fi \
 && rm -rf /var/lib/apt/lists/*

COPY . .
# Only the binary: no tests, no benchmarks; DEPS_FLAGS keeps `make` from installing the full toolchain.
RUN if [ -n "${PREBUILT_BINARY}" ]; then install -D -m 0755 "${PREBUILT_BINARY}" /build/kindlyguard; \
    else make binary DEPS_FLAGS=--build-only BUILD_DIR=/build JOBS="$(nproc)" \
      CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Release -DKINDLY_BUILD_TESTS=OFF -DKINDLY_BUILD_BENCH=OFF" \
      && strip /build/kindlyguard; fi \
 && /build/kindlyguard version

# Stage the runtime files: the binary, and RUNTIME_LIBS in the multiarch library directory (where
# the binary's libc lives: x86_64-linux-gnu, aarch64-linux-gnu). Fail when the binary needs a
# library that is in neither list.
RUN set -eu; \
    multiarch="$(basename "$(dirname "$(ldd /build/kindlyguard | awk '$1 == "libc.so.6" {print $3}')")")"; \
    [ -n "${multiarch}" ] || { echo "ldd names no libc.so.6 for the binary" >&2; exit 1; }; \
    mkdir -p "/out/usr/lib/${multiarch}" /out/usr/local/bin; \
    cp /build/kindlyguard /out/usr/local/bin/kindlyguard; \
    for lib in ${RUNTIME_LIBS}; do cp -L "$(find /lib /usr/lib -name "${lib}" -print -quit)" "/out/usr/lib/${multiarch}/${lib}"; done; \
    missing=""; \
    for lib in $(ldd /build/kindlyguard | awk '{print $1}' | xargs -n1 basename); do \
      case " ${RUNTIME_LIBS} ${BASE_LIBS} " in *" ${lib} "*) ;; *) missing="${missing} ${lib}" ;; esac; \
    done; \
    if [ -n "${missing}" ]; then echo "libraries in neither RUNTIME_LIBS nor BASE_LIBS:${missing}" >&2; exit 1; fi

FROM ${RUNTIME_BASE} AS runtime

ARG RUNTIME_BASE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="kindlyguard" \
      org.opencontainers.image.description="Kubernetes pod-security admission webhook and operator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/kindlyguard/kindlyguard" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"

COPY --from=build /out/ /

# The same numeric user and group as the Helm chart's securityContext (runAsUser/runAsGroup 10001).
USER 10001:10001
EXPOSE 8443 9090
# Kubernetes uses the chart's probes; this serves `docker run`. Exec form: there is no shell.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["/usr/local/bin/kindlyguard", "health"]
ENTRYPOINT ["/usr/local/bin/kindlyguard"]
CMD ["serve"]
