# WorkComm server image: a static Go binary on a distroless base, run as a
# non-root user. No secret is baked in: configuration comes from the environment.
# The build command is the Makefile's `build-server` recipe (deploy/ checks they match).

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o bin/workcomm .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/bin/workcomm /workcomm
ENV APP_ENV=production \
    ADDR=0.0.0.0:8080
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/workcomm", "healthcheck"]
ENTRYPOINT ["/workcomm"]
CMD ["serve"]
