# The genomeml image: the job container of the Kubernetes profile (workflows/profiles/kubernetes).
#   docker build -t REGISTRY/genomeml:0.1.0 . && docker push REGISTRY/genomeml:0.1.0
# It holds the package (with its shipped models) and the workflow's Snakemake plugins; the Snakemake
# workflow itself (Snakefile, workflows/) is sent to each job by Snakemake, not baked in.
FROM python:3.11-slim

# rsync: the "fs" storage plugin copies job inputs and outputs with it
RUN apt-get update \
    && apt-get install -y --no-install-recommends rsync \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/genomeml
COPY pyproject.toml README.md ./
COPY genomeml ./genomeml
COPY models ./models
RUN pip install --no-cache-dir '.[cluster]' && genomeml --version

# run as an unprivileged user; Kubernetes mounts the data claim where the profile says (/data)
RUN useradd --create-home genomeml
USER genomeml
WORKDIR /data
ENTRYPOINT []
CMD ["genomeml", "--help"]
