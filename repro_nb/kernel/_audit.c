/* The recorder's audit hook, in C.
 *
 * An audit hook sees every audited event in the process, recording or not: about 16 000
 * in a short NumPy/pandas notebook, 12 000 of them while those libraries import. A hook
 * written in Python costs CPython a string, an iterator, an attribute lookup and a
 * Python call for each (about 3 000 instructions); a hook added with
 * PySys_AddAuditHook is called before all that and returns at once (about 100 ns).
 * It keeps only opens, removals, renames and sqlite connections, and only while a cell
 * is recorded: it appends (event, args, None) to the list it was given, the same
 * entries the pure-Python fallback in fileaccess.py appends. It never raises.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static PyObject *sink = NULL; /* a list while recording, else NULL */
static int installed = 0;

static int
wanted(const char *event)
{
    return strcmp(event, "open") == 0 || strcmp(event, "os.remove") == 0 ||
           strcmp(event, "os.rename") == 0 || strcmp(event, "sqlite3.connect") == 0;
}

static int
audit_hook(const char *event, PyObject *args, void *user_data)
{
    (void)user_data;
    if (sink == NULL || !wanted(event)) {
        return 0;
    }
    PyObject *name = PyUnicode_FromString(event);
    if (name == NULL) {
        PyErr_Clear();
        return 0;
    }
    PyObject *item = PyTuple_Pack(3, name, args, Py_None);
    Py_DECREF(name);
    if (item == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (PyList_Append(sink, item) < 0) {
        PyErr_Clear();
    }
    Py_DECREF(item);
    return 0;
}

static PyObject *
install(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (!installed) {
        if (PySys_AddAuditHook(audit_hook, NULL) < 0) {
            return NULL;
        }
        installed = 1;
    }
    Py_RETURN_NONE;
}

static PyObject *
record_into(PyObject *module, PyObject *target)
{
    (void)module;
    if (target != Py_None && !PyList_CheckExact(target)) {
        PyErr_SetString(PyExc_TypeError, "record_into() takes a list or None");
        return NULL;
    }
    PyObject *previous = sink;
    if (target == Py_None) {
        sink = NULL;
    }
    else {
        Py_INCREF(target);
        sink = target;
    }
    Py_XDECREF(previous);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"install", install, METH_NOARGS, "Add the audit hook to the process (once; it cannot be removed)."},
    {"record_into", record_into, METH_O, "Append the kept events to this list from now on; None stops."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "repro_nb.kernel._audit", "The recorder's audit hook, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__audit(void)
{
    return PyModule_Create(&module_def);
}
