# Gatehouse in production: slim Python, a non-root user, gunicorn, and a health check.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=8000
WORKDIR /srv/gatehouse

COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir . && useradd --system --uid 10001 --home-dir /srv/gatehouse gatehouse
COPY templates ./templates
COPY static ./static
COPY branding ./branding
COPY wsgi.py gunicorn.conf.py ./
RUN mkdir -p var && chown gatehouse var

USER gatehouse
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
