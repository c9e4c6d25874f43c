// The verification page's upload progress bar: a progressive enhancement.
// With scripts on, the form is sent by XMLHttpRequest so the bar can show
// how much has gone; the server's answer (the same page with the result or
// the error) then replaces the page. Without scripts, or if anything here
// fails, the form posts as usual. No inline code: the page's CSP allows
// only this file.
(function () {
  'use strict';
  var form = document.getElementById('verify-form');
  var box = document.getElementById('verify-progress-box');
  var bar = document.getElementById('verify-progress');
  var label = document.getElementById('verify-progress-label');
  if (!form || !box || !bar || !label || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  form.addEventListener('submit', function (event) {
    var xhr = new XMLHttpRequest();
    try {
      xhr.open('POST', form.action);
      xhr.responseType = 'document';
    } catch (e) {
      return;
    }
    event.preventDefault();
    box.hidden = false;
    bar.value = 0;
    label.textContent = '0 %';
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable && e.total > 0) {
        var percent = Math.floor((100 * e.loaded) / e.total);
        bar.value = percent;
        label.textContent = percent + ' %';
      }
    });
    xhr.addEventListener('load', function () {
      var doc = xhr.response;
      if (doc && doc.documentElement) {
        document.replaceChild(document.importNode(doc.documentElement, true), document.documentElement);
        window.scrollTo(0, 0);
      } else {
        form.submit();
      }
    });
    xhr.addEventListener('error', function () {
      form.submit();
    });
    xhr.send(new FormData(form));
  });
})();
