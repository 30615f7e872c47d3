# JupyterHub configuration for `npm run workshop` (scripts/workshop.ts).
# Copied into <workshop folder>/hub/jupyterhub_config.py; every setting comes
# from <workshop folder>/workshop.json so there is one source of truth.
#
# Students are system accounts (PAM login). On first login each one gets a
# copy of the student release in ~/faultline (never overwritten afterwards)
# whose node_modules is a symlink to the one shared, root-owned install, and
# whose jupyter/kernels/faultline kernelspec starts tslab in that copy.
# Each single-user server (and its kernels) runs in the student's own cgroups
# (memory, pids) when the OS has them, and always under RLIMIT_NPROC.
import json
import os
import pwd
import resource
import shutil

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (defined by JupyterHub when it loads this file)

WORKSHOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(WORKSHOP, 'workshop.json')) as f:
    settings = json.load(f)

COURSE = os.path.join(WORKSHOP, 'course')
HUB = os.path.join(WORKSHOP, 'hub')
COPY_NAME = 'faultline'


def user_cgroups(name):
    """The cgroup folders a student's server joins (created by pre_spawn)."""
    return [os.path.join(d, name) for d in settings['cgroups']]


def write(path, value):
    with open(path, 'w') as f:
        f.write(str(value))


def make_cgroups(name):
    limits = settings['limits']
    for d in user_cgroups(name):
        os.makedirs(d, exist_ok=True)
        # cgroup v1 and v2 name the same limits differently; write whichever exists.
        for file, value in (
            ('memory.limit_in_bytes', limits['memoryBytes']),
            ('memory.max', limits['memoryBytes']),
            ('memory.swap.max', 0),
            ('pids.max', limits['processes']),
        ):
            p = os.path.join(d, file)
            if os.path.exists(p):
                try:
                    write(p, value)
                except OSError as e:
                    print(f'workshop: could not set {p}: {e}')


def copy_course(name):
    """~/faultline from the release, once; the student's own files afterwards."""
    pw = pwd.getpwnam(name)
    os.chmod(pw.pw_dir, 0o700)  # nobody else reads a student's work
    dest = os.path.join(pw.pw_dir, COPY_NAME)
    if os.path.lexists(dest):
        return dest
    staging = dest + '.copying'
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(COURSE, staging, symlinks=True, ignore=shutil.ignore_patterns('node_modules'))
    # Shared, read-only dependencies: one install in the workshop folder.
    os.symlink(os.path.join(COURSE, 'node_modules'), os.path.join(staging, 'node_modules'))
    for top, dirs, files in os.walk(staging):
        for entry in [top, *[os.path.join(top, n) for n in dirs + files]]:
            os.lchown(entry, pw.pw_uid, pw.pw_gid)
    os.rename(staging, dest)
    return dest


def pre_spawn(spawner):
    name = spawner.user.name
    dest = copy_course(name)
    make_cgroups(name)
    spawner.notebook_dir = dest
    # The copy's own kernelspec (its launcher cds to the copy: tslab's rootDir).
    spawner.environment['JUPYTER_PATH'] = os.path.join(dest, 'jupyter')


class WorkshopSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers start inside the student's limits."""

    def make_preexec_fn(self, name):
        drop_privileges = super().make_preexec_fn(name)
        procs = settings['limits']['processes']

        def preexec():
            for d in user_cgroups(name):
                try:
                    write(os.path.join(d, 'cgroup.procs'), os.getpid())
                except OSError:
                    pass  # no such controller here: RLIMIT_NPROC still holds
            resource.setrlimit(resource.RLIMIT_NPROC, (procs, procs))
            drop_privileges()

        return preexec


host = settings['host']
c.JupyterHub.ip = host
c.JupyterHub.port = settings['port']
if settings.get('tls'):
    c.JupyterHub.ssl_cert = settings['tls']['cert']
    c.JupyterHub.ssl_key = settings['tls']['key']
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = settings['hubPort']
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxyApiPort']}"
c.ConfigurableHTTPProxy.command = [os.path.join(HUB, 'configurable-http-proxy')]
c.ConfigurableHTTPProxy.pid_file = os.path.join(HUB, 'proxy.pid')
c.JupyterHub.db_url = 'sqlite:///' + os.path.join(HUB, 'jupyterhub.sqlite')
c.JupyterHub.cookie_secret_file = os.path.join(HUB, 'cookie_secret')
c.JupyterHub.pid_file = os.path.join(HUB, 'hub.pid')
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = 'jupyterhub.auth.PAMAuthenticator'
c.Authenticator.allowed_users = set(settings['users'])
c.Authenticator.admin_users = set()
c.PAMAuthenticator.open_sessions = False  # no logind needed (containers, no systemd)

c.JupyterHub.spawner_class = WorkshopSpawner
c.Spawner.pre_spawn_hook = pre_spawn
c.Spawner.cmd = ['jupyterhub-singleuser']
c.Spawner.default_url = '/tree/notebooks'
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {'PYDEVD_DISABLE_FILE_VALIDATION': '1', 'PYTHONIOENCODING': 'utf-8'}
# Informational (LocalProcessSpawner does not enforce them; the cgroups above do).
c.Spawner.mem_limit = settings['limits']['memoryBytes']
