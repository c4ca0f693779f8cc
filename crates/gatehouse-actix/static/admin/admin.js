// Gatehouse admin pages: small enhancements only. Every page works without this script.
'use strict';

(function () {
  // Copy buttons beside the credentials: shown only when the clipboard can be written.
  function setUpCopyButtons() {
    var status = document.querySelector('[data-copy-status]');
    document.querySelectorAll('[data-copy]').forEach(function (button) {
      var field = document.getElementById(button.getAttribute('data-copy'));
      if (!field) {
        return;
      }
      button.hidden = false;
      button.addEventListener('click', function () {
        var label = document.querySelector('label[for="' + field.id + '"]');
        var name = label ? label.textContent : 'Value';
        copyText(field).then(function () {
          if (status) {
            status.textContent = name + ' copied.';
          }
        }, function () {
          field.focus();
          field.select();
          if (status) {
            status.textContent = 'Press Ctrl+C (or Cmd+C) to copy the selected ' + name + '.';
          }
        });
      });
    });
  }

  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    return new Promise(function (resolve, reject) {
      field.focus();
      field.select();
      try {
        if (document.execCommand('copy')) {
          resolve();
          return;
        }
      } catch (ignored) {
        // Fall through to the manual hint.
      }
      reject(new Error('copy refused'));
    });
  }

  // The resource tree: "All resources" hides it; checking a resource checks everything under
  // it, and unchecking one unchecks the resources above it, so the boxes say what is granted.
  function setUpResourceTree() {
    var tree = document.querySelector('[data-resource-tree]');
    if (!tree) {
      return;
    }
    var all = document.getElementById('resource-access-all');
    var custom = document.getElementById('resource-access-custom');

    function showTree() {
      tree.hidden = all && all.checked;
    }
    [all, custom].forEach(function (radio) {
      if (radio) {
        radio.addEventListener('change', showTree);
      }
    });
    showTree();

    tree.addEventListener('change', function (event) {
      var box = event.target;
      if (!box || box.type !== 'checkbox') {
        return;
      }
      var item = box.closest('li');
      item.querySelectorAll('input[type="checkbox"]').forEach(function (inner) {
        inner.checked = box.checked;
      });
      if (!box.checked) {
        var parent = item.parentElement.closest('li');
        while (parent) {
          var own = parent.querySelector('input[type="checkbox"]');
          if (own) {
            own.checked = false;
          }
          parent = parent.parentElement.closest('li');
        }
      }
    });
  }

  function start() {
    setUpCopyButtons();
    setUpResourceTree();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
