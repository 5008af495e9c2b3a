# One image for the web server and the task workers (docker-compose.yml runs both).
FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY newsroom ./newsroom
COPY entities ./entities
COPY annotations ./annotations
RUN pip install --no-cache-dir .
COPY . .
# collectstatic needs settings that import cleanly: a throwaway key, never used at run time.
RUN SECRET_KEY=collectstatic-only-$(python -c 'import secrets; print(secrets.token_hex(32))') \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 1000 newsroom && chown -R newsroom /app
USER newsroom
EXPOSE 8000
CMD ["gunicorn", "newsroom.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
