"""SEC-08: production refuses to start misconfigured.

Under `ZHTJ_ENV=production` a missing (or the repository's development) `SECRET_KEY`, a missing
`DATABASE_URL` and a missing `REDIS_URL` are system-check errors, so `runserver`, `migrate` and
every other checked command stop with the variable's name; `zhtj/wsgi.py` and the Celery worker
run the same checks before serving (gunicorn runs no system checks by itself). Without Redis the
cache is one per process: the import preview rows, the error workbooks and the progress bars
would be visible to one gunicorn worker only, and Celery would have no broker.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "zhtj_production"


def _missing(variable, why_zh, why_en, check_id):
    return checks.Error(
        f"生产模式（ZHTJ_ENV=production）缺少环境变量 {variable}：{why_zh} / "
        f"Production mode (ZHTJ_ENV=production): environment variable {variable} is missing: {why_en}",
        hint=f"设置 {variable} 后再启动 / set {variable} before starting.",
        id=check_id,
    )


@checks.register(TAG)
def production_environment(app_configs=None, **kwargs):
    if not settings.PRODUCTION:
        return []
    errors = []
    if not settings.SECRET_KEY_FROM_ENV or settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        errors.append(
            _missing(
                "SECRET_KEY",
                "未设置或仍是仓库中的开发密钥，会话和 CSRF 令牌可被伪造。",
                "it is unset or still the repository's development key, so sessions and CSRF tokens can be forged.",
                "zhtj.E001",
            )
        )
    if not settings.DATABASE_URL:
        errors.append(
            _missing(
                "DATABASE_URL",
                "未设置时使用本机 SQLite 文件，只适合演示。",
                "without it the data would go to a local SQLite file, which is for the demo only.",
                "zhtj.E002",
            )
        )
    if not settings.REDIS_URL:
        errors.append(
            _missing(
                "REDIS_URL",
                "没有共享缓存时，导入预览、失败数据和进度只存在于单个进程，Celery 也没有消息队列。",
                "without a shared cache the import preview, error workbooks and progress live in one process only, "
                "and Celery has no broker.",
                "zhtj.E003",
            )
        )
    return errors


def refuse_unsafe_start():
    """For entry points that run no system checks (gunicorn's WSGI import, the Celery worker)."""
    errors = [e for e in checks.run_checks(tags=[TAG]) if e.level >= checks.ERROR]
    if errors:
        raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg}" for e in errors))
