/*! Toile storefront widget v1 — size advice and virtual try-on on a shop's product page.
 * <script src="https://TOILE-HOST/widget/v1/toile.js" data-toile-key="pk_..." defer></script>
 * Talks only to the host it was loaded from. Docs: docs/widget.md */
(function () {
  "use strict";
  if (window.Toile && window.Toile.version) return; // loaded twice (theme + app block): keep the first

  var script = document.currentScript || document.querySelector("script[data-toile-key]");
  var KEY = (script && script.getAttribute("data-toile-key")) || "";
  var BASE = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var POLL_MS = 3000; // the Toile contract asks for 3–5 s between status polls
  var POLL_LIMIT_MS = 5 * 60 * 1000;
  var MAX_EDGE = 1600;
  // The AI notice and photo consent texts shown before a photo is sent, and their versions (tryon/ai_notice.py
  // keeps the same texts under the same versions; a changed text gets a new version in both places).
  var NOTICE = { version: "ai-notice-2026-12", consentVersion: "photo-consent-2026-12" };
  var lang = /^en/i.test((script && script.getAttribute("data-toile-lang")) || document.documentElement.lang || "")
    ? "en"
    : "ko";

  var TEXT = {
    ko: {
      button: "사이즈 추천 · 가상 피팅",
      title: "사이즈 추천 · 가상 피팅",
      close: "닫기",
      other: "English",
      height: "키 (cm)",
      weight: "몸무게 (kg)",
      gender: "성별",
      female: "여성",
      male: "남성",
      girths: "가슴·허리·엉덩이 둘레 (선택, 더 정확해져요)",
      chest: "가슴둘레 (cm)",
      waist: "허리둘레 (cm)",
      hip: "엉덩이둘레 (cm)",
      recommend: "사이즈 추천 받기",
      working: "확인하는 중…",
      recommended: "추천 사이즈",
      fitHigh: "이 사이즈가 잘 맞을 가능성이 높아요.",
      fitMid: "대체로 잘 맞을 거예요.",
      fitLow: "두 사이즈 사이에 있어요. 상세 치수도 함께 확인해 보세요.",
      confidence: "신뢰도 {n}%",
      estimated: "키와 몸무게로 둘레를 추정했어요. 둘레를 입력하면 더 정확해요.",
      noChart: "이 상품은 아직 사이즈 추천을 지원하지 않아요.",
      needBody: "키, 몸무게, 성별을 입력해 주세요.",
      tryTitle: "가상 피팅",
      tryIntro: "내 사진으로 이 옷을 입은 모습을 미리 볼 수 있어요.",
      aiTitle: "생성형 AI 안내",
      aiNotice:
        "이 가상 피팅은 생성형 AI로 이미지를 만듭니다. 결과는 실제로 입어 본 사진이 아니라 AI가 만든 이미지이며, 'AI 생성' 표시와 콘텐츠 자격 증명(C2PA)이 함께 붙습니다.",
      consent:
        "사진을 가상 피팅 이미지를 만드는 데에만 사용하는 것에 동의합니다. 사진은 처리가 끝나면 바로 삭제되고, " +
        "위치 정보(EXIF)는 업로드 전에 지워집니다. 결과 이미지는 쇼핑몰이 정한 기간이 지나면 삭제됩니다.",
      camera: "사진 찍기",
      file: "사진 선택",
      photoHint: "전신 또는 상반신이 보이는 정면 사진이 좋아요.",
      start: "가상 피팅 시작",
      needConsent: "먼저 사진 이용에 동의해 주세요.",
      needPhoto: "사진을 선택해 주세요.",
      progress: "피팅 이미지를 만들고 있어요… {n}%",
      done: "완성됐어요!",
      failed: "피팅 이미지를 만들지 못했어요.",
      aiBadge: "AI 생성 이미지",
      preview: "미리보기 (간이 엔진)",
      rate: "결과가 마음에 드세요?",
      good: "좋아요",
      bad: "별로예요",
      thanks: "의견 감사합니다!",
      share: "공유 링크 만들기",
      copy: "복사",
      copied: "복사했어요",
      shareNote: "링크는 7일 동안 열 수 있어요.",
      photoUnreadable: "이 사진을 읽을 수 없어요. JPG 또는 PNG 사진을 선택해 주세요.",
      network: "Toile 서버에 연결할 수 없어요. 잠시 후 다시 시도해 주세요.",
      timeout: "시간이 너무 오래 걸려요. 잠시 후 다시 시도해 주세요.",
      e404: "이 상품은 사이즈 추천을 지원하지 않아요.",
      e403: "이 쇼핑몰 주소에서는 위젯을 사용할 수 없어요.",
      e413: "사진이 너무 커요. 10MB 이하의 사진을 선택해 주세요.",
      powered: "Toile 가상 피팅",
    },
    en: {
      button: "Size advice · Virtual try-on",
      title: "Size advice · Virtual try-on",
      close: "Close",
      other: "한국어",
      height: "Height (cm)",
      weight: "Weight (kg)",
      gender: "Gender",
      female: "Female",
      male: "Male",
      girths: "Chest, waist, hip (optional, more accurate)",
      chest: "Chest (cm)",
      waist: "Waist (cm)",
      hip: "Hip (cm)",
      recommend: "Get my size",
      working: "Checking…",
      recommended: "Recommended size",
      fitHigh: "This size is very likely to fit you well.",
      fitMid: "This size should fit you well.",
      fitLow: "You are between two sizes. Please check the measurements too.",
      confidence: "confidence {n}%",
      estimated: "Girths were estimated from height and weight; enter them for a closer match.",
      noChart: "Size advice is not available for this product yet.",
      needBody: "Please enter your height, weight and gender.",
      tryTitle: "Virtual try-on",
      tryIntro: "See yourself wearing this item, from your own photo.",
      aiTitle: "About generative AI",
      aiNotice:
        "This virtual try-on uses generative AI to make the image. The result is a picture made by AI, not a photo of you wearing the item, and it carries an 'AI-generated' mark and Content Credentials (C2PA).",
      consent:
        "I agree that my photo is used only to make the try-on image. The photo is deleted as soon as it is " +
        "processed, and its location data (EXIF) is removed before upload. The result is deleted after the " +
        "period the shop has set.",
      camera: "Take a photo",
      file: "Choose a photo",
      photoHint: "A front photo showing your upper or whole body works best.",
      start: "Start try-on",
      needConsent: "Please agree to the photo use first.",
      needPhoto: "Please choose a photo.",
      progress: "Making your try-on image… {n}%",
      done: "Done!",
      failed: "The try-on image could not be made.",
      aiBadge: "AI-generated image",
      preview: "Preview (basic engine)",
      rate: "Do you like the result?",
      good: "Like",
      bad: "Dislike",
      thanks: "Thanks for your feedback!",
      share: "Create a share link",
      copy: "Copy",
      copied: "Copied",
      shareNote: "The link can be opened for 7 days.",
      photoUnreadable: "This photo cannot be read. Please choose a JPG or PNG photo.",
      network: "Cannot reach the Toile server. Please try again shortly.",
      timeout: "This is taking too long. Please try again shortly.",
      e404: "Size advice is not available for this product.",
      e403: "The widget cannot be used on this shop address.",
      e413: "The photo is too large. Please choose one under 10 MB.",
      powered: "Toile virtual try-on",
    },
  };

  function t(key, n) {
    var text = TEXT[lang][key] || TEXT.ko[key] || key;
    return n === undefined ? text : text.replace("{n}", n);
  }

  // --- visitor id: a random uuid kept on this device, never tied to a person -------------------------------
  var memoryVisitor = null;
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function visitorId() {
    try {
      var id = localStorage.getItem("toile.visitorId");
      if (!/^[0-9a-f-]{36}$/.test(id || "")) {
        id = uuid4();
        localStorage.setItem("toile.visitorId", id);
      }
      return id;
    } catch (e) { // storage blocked (private mode, strict settings): one id for this page view
      return memoryVisitor || (memoryVisitor = uuid4());
    }
  }

  // --- API ------------------------------------------------------------------------------------------------
  function failure(error, message, statusCode) {
    return { error: error, message: message, statusCode: statusCode };
  }

  function api(method, path, body) {
    var headers = { "x-api-key": KEY };
    var payload = body;
    if (body && !(body instanceof FormData)) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(BASE + path, { method: method, headers: headers, body: payload, credentials: "omit", mode: "cors" })
      .then(function (response) {
        return response.text().then(function (text) {
          var json = null;
          try { json = JSON.parse(text); } catch (e) { /* not JSON: described below */ }
          if (response.ok) return json && json.data;
          if (json && json.error && json.message) throw failure(json.error, json.message, json.statusCode || response.status);
          throw failure("HttpError", "HTTP " + response.status, response.status);
        });
      }, function () {
        // The browser hides why (offline, or CORS refused this origin): both mean the API cannot be used here.
        throw failure("NetworkError", t("network"), 0);
      });
  }

  function recommendSize(options) {
    options = options || {};
    return api("POST", "/api/size/recommend", {
      productId: String(options.productId || ""),
      measurement: options.measurement || {},
      visitorId: visitorId(),
    });
  }

  function downscale(photo) {
    // Re-encoding also drops EXIF (GPS) before anything leaves the device.
    var decode = window.createImageBitmap
      ? createImageBitmap(photo, { imageOrientation: "from-image" })
      : new Promise(function (resolve, reject) {
          var img = new Image();
          img.onload = function () { resolve(img); };
          img.onerror = reject;
          img.src = URL.createObjectURL(photo);
        });
    return decode.then(function (image) {
      var w = image.width, h = image.height, scale = Math.min(1, MAX_EDGE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(); }, "image/jpeg", 0.9);
      });
    }).catch(function () {
      throw failure("BadRequest", t("photoUnreadable"), 400);
    });
  }

  function pollJob(jobId, onProgress) {
    var started = Date.now(), last = "", misses = 0;
    return new Promise(function (resolve, reject) {
      function tick() {
        api("GET", "/api/tryon/" + encodeURIComponent(jobId) + "?visitorId=" + visitorId()).then(function (job) {
          misses = 0;
          var seen = job.status + ":" + job.progress;
          if (seen !== last && onProgress) onProgress(job);
          last = seen;
          if (job.status === "COMPLETED" || job.status === "FAILED") return resolve(job);
          if (Date.now() - started > POLL_LIMIT_MS) return reject(failure("Timeout", t("timeout"), 0));
          setTimeout(tick, POLL_MS);
        }, function (error) {
          if (error.statusCode === 0 && ++misses < 4) return setTimeout(tick, POLL_MS * 2); // a blip: keep polling
          reject(error);
        });
      }
      tick();
    });
  }

  function tryOn(options) {
    options = options || {};
    if (!(options.photo instanceof Blob)) return Promise.reject(failure("BadRequest", t("needPhoto"), 400));
    return downscale(options.photo).then(function (blob) {
      var form = new FormData();
      form.append("userImage", blob, "photo.jpg");
      form.append("productImageUrl", options.productImageUrl || "");
      form.append("category", options.category || "upper_body");
      form.append("productTitle", options.productTitle || "");
      form.append("productPageUrl", options.productPageUrl || location.href.split("#")[0]);
      form.append("visitorId", visitorId());
      form.append("language", options.language === "en" || options.language === "ko" ? options.language : lang);
      // Only a caller that showed the notice says so: the widget's own panel, or a shop's UI passing Toile.notice.
      if (options.notice && options.notice.version) {
        form.append("aiNoticeVersion", options.notice.version);
        form.append("consentVersion", options.notice.consentVersion || "");
      }
      return api("POST", "/api/tryon", form);
    }).then(function (accepted) {
      if (options.onProgress) options.onProgress({ jobId: accepted.jobId, status: accepted.status, progress: 0 });
      return pollJob(accepted.jobId, options.onProgress);
    });
  }

  function feedback(options) {
    return api("POST", "/api/tryon/" + encodeURIComponent(options.jobId) + "/feedback", {
      vote: options.vote,
      visitorId: visitorId(),
      reason: options.reason || "",
    });
  }

  function share(options) {
    return api("POST", "/api/tryon/" + encodeURIComponent(options.jobId) + "/share", { visitorId: visitorId() });
  }

  function track(event, productId) {
    fetch(BASE + "/api/widget/events", {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ event: event, visitorId: visitorId(), productId: productId }),
      credentials: "omit",
    }).catch(function () { /* analytics never disturb the shopper */ });
  }

  // --- fonts: a Korean face from this host where the device has none (phones and PCs in Korea do) ---------
  if (window.FontFace && document.fonts) {
    ["400", "700"].forEach(function (weight) {
      var url = BASE + "/widget/v1/fonts/noto-sans-kr-" + weight + ".woff";
      document.fonts.add(new FontFace("Toile Noto Sans KR", "url(" + url + ") format('woff')", { weight: weight, display: "swap" }));
    });
  }

  // --- UI ---------------------------------------------------------------------------------------------------
  var CSS =
    ":host{all:initial}" +
    "*{box-sizing:border-box;font-family:-apple-system,BlinkMacSystemFont,'Apple SD Gothic Neo','Malgun Gothic','Noto Sans KR','Noto Sans CJK KR','Toile Noto Sans KR',sans-serif}" +
    ".open{display:inline-flex;align-items:center;gap:6px;margin:8px 0;padding:10px 16px;border:1px solid #2f5d50;border-radius:999px;background:#fff;color:#2f5d50;font-size:14px;font-weight:700;cursor:pointer}" +
    ".open:hover{background:#2f5d50;color:#fff}" +
    ".veil{position:fixed;inset:0;z-index:2147483000;background:rgba(20,20,20,.45);display:flex;align-items:center;justify-content:center}" +
    ".panel{position:relative;width:min(440px,100vw);max-height:92vh;overflow-y:auto;background:#fff;color:#1d1d1f;border-radius:18px;padding:18px 18px 22px;box-shadow:0 20px 60px rgba(0,0,0,.25);font-size:14px;line-height:1.5;word-break:keep-all;overflow-wrap:anywhere}" +
    "@media (max-width:600px){.veil{align-items:flex-end}.panel{width:100vw;border-radius:18px 18px 0 0;max-height:94vh}}" +
    ".head{display:flex;align-items:center;justify-content:space-between;gap:8px;margin-bottom:10px}" +
    "h2{font-size:17px;margin:0;word-break:keep-all}h3{font-size:15px;margin:18px 0 4px}" +
    ".x,.lang{border:0;background:none;cursor:pointer;color:#6e6e73;font-size:13px;padding:6px}.x{font-size:22px;line-height:1}" +
    "label{display:block}.row{display:flex;gap:10px}.row>*{flex:1;min-width:0}" +
    ".field span{display:block;font-size:12px;color:#6e6e73;margin:8px 0 3px}" +
    "input[type=number]{width:100%;padding:10px;border:1px solid #d2d2d7;border-radius:10px;font-size:16px}" +
    ".gender{display:flex;gap:14px;margin:10px 0 4px}.gender label{display:flex;align-items:center;gap:5px}" +
    "details{margin:8px 0;color:#444}summary{cursor:pointer;font-size:13px}" +
    ".btn{display:block;width:100%;margin-top:12px;padding:13px;border:0;border-radius:12px;background:#2f5d50;color:#fff;font-size:15px;font-weight:700;cursor:pointer}" +
    ".btn[disabled]{opacity:.45;cursor:default}.btn.ghost{background:#eef3f1;color:#2f5d50}" +
    ".result{margin-top:12px;padding:12px;border-radius:12px;background:#f5f3ef}.result:empty{display:none}" +
    ".size{font-size:28px;font-weight:700;color:#2f5d50;margin-right:6px}.muted{color:#6e6e73;font-size:12px}" +
    ".error{color:#b3261e}.consent{display:flex;gap:8px;align-items:flex-start;font-size:12px;color:#444;margin:10px 0}" +
    ".consent input{margin-top:3px;flex:none}.pick{display:flex;gap:8px;margin-top:4px}" +
    ".pick label{flex:1;text-align:center;padding:11px 6px;border:1px dashed #2f5d50;border-radius:12px;color:#2f5d50;font-weight:700;cursor:pointer}" +
    ".pick input{position:absolute;width:1px;height:1px;opacity:0}" +
    ".thumb{display:block;max-width:96px;max-height:120px;margin:10px auto 0;border-radius:8px}" +
    ".bar{height:8px;background:#e8e4dc;border-radius:4px;overflow:hidden;margin:12px 0 4px}.bar i{display:block;height:8px;width:0;background:#2f5d50;transition:width .4s}" +
    ".shot{display:block;width:100%;border-radius:12px;margin-top:10px;background:#eee}" +
    ".badge{display:inline-block;margin-top:8px;font-size:12px;padding:2px 8px;border-radius:999px;background:#1d1d1f;color:#fff;font-weight:700}" +
    ".notice{margin:10px 0 0;padding:10px 12px;border-radius:10px;background:#eef3f1;color:#1d1d1f;font-size:12px}.notice strong{display:block;margin-bottom:2px;color:#2f5d50}" +
    ".votes{display:flex;gap:8px;margin-top:6px}.votes button{flex:1;padding:10px;border:1px solid #d2d2d7;border-radius:10px;background:#fff;font-size:15px;cursor:pointer}" +
    ".link{display:flex;gap:6px;margin-top:8px}.link input{flex:1;min-width:0;padding:9px;border:1px solid #d2d2d7;border-radius:10px;font-size:13px}" +
    ".link button{padding:9px 12px;border:0;border-radius:10px;background:#2f5d50;color:#fff;cursor:pointer}" +
    ".foot{margin-top:16px;text-align:center;font-size:11px;color:#9a9aa0}";

  function attachStyles(root) {
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      if (!attachStyles.sheet) {
        attachStyles.sheet = new CSSStyleSheet();
        attachStyles.sheet.replaceSync(CSS); // constructed sheets need no 'unsafe-inline' in a shop's CSP
      }
      root.adoptedStyleSheets = [attachStyles.sheet];
    } else {
      root.appendChild(h("style", {}, CSS));
    }
  }

  // h("div", {class: "x", t: "key"}, children...): an element; "t" keeps a text key for the language switch.
  function h(tag, attrs, content) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (name === "t") label(el, value);
      else if (name.slice(0, 2) === "on") el.addEventListener(name.slice(2), value);
      else if (value === true) el.setAttribute(name, "");
      else if (value !== false && value != null) el.setAttribute(name, value);
    });
    [].concat(content === undefined ? [] : content).forEach(function (child) {
      if (child != null) el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return el;
  }
  var labelled = [];
  function label(el, key, n) {
    if (!el.__toileText) labelled.push(el);
    el.__toileText = [key, n];
    el.textContent = t(key, n);
    return el;
  }
  function relabel() {
    labelled = labelled.filter(function (el) { return el.isConnected; });
    labelled.forEach(function (el) { el.textContent = t(el.__toileText[0], el.__toileText[1]); });
  }

  function errorText(error) {
    if (error && error.statusCode && TEXT[lang]["e" + error.statusCode]) return t("e" + error.statusCode);
    return (error && error.message) || t("network");
  }

  var products = {}; // productId → {id, image, category, title, button}
  var panel = null;

  function meta(property) {
    var tag = document.querySelector('meta[property="' + property + '"]');
    return (tag && tag.getAttribute("content")) || "";
  }

  // Missing attributes fall back to the page's Open Graph tags, which shop platforms print on product pages.
  function readProduct(el) {
    var image = el.getAttribute("data-toile-product-image") || meta("og:image");
    return {
      id: el.getAttribute("data-toile-product"),
      image: image ? new URL(image, location.href).href : "",
      category: el.getAttribute("data-toile-category") || "upper_body",
      title: el.getAttribute("data-toile-product-title") || meta("og:title"),
    };
  }

  function mount(el) {
    if (el.__toileMounted) return;
    el.__toileMounted = true;
    var host = h("span", { class: "toile-widget", "data-toile-widget": "" });
    var root = host.attachShadow({ mode: "open" });
    attachStyles(root);
    var product = readProduct(el);
    var button = h("button", { type: "button", class: "open", part: "button", t: "button",
      onclick: function () { openPanel(readProduct(el), button); } });
    root.appendChild(button);
    el.appendChild(host);
    products[product.id] = { el: el, button: button };
  }

  function mountAll(scope) {
    (scope.querySelectorAll ? scope.querySelectorAll("[data-toile-product]") : []).forEach(mount);
  }

  function numberField(name, key, min, max) {
    return h("label", { class: "field" }, [
      h("span", { t: key }),
      h("input", { type: "number", name: name, min: min, max: max, step: "0.1", inputmode: "decimal" }),
    ]);
  }

  function closePanel() {
    if (!panel) return;
    document.removeEventListener("keydown", panel.onKey);
    document.documentElement.style.overflow = panel.overflow;
    if (panel.thumbUrl) URL.revokeObjectURL(panel.thumbUrl);
    panel.host.remove();
    if (panel.opener) panel.opener.focus();
    panel = null;
  }

  function openPanel(product, opener) {
    closePanel();
    var host = h("div", { id: "toile-panel", "data-toile-panel": "" });
    var root = host.attachShadow({ mode: "open" });
    attachStyles(root);
    var state = { product: product, photo: null, job: null };
    var dialog = h("div", { class: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "toile-title", tabindex: "-1" });
    var veil = h("div", { class: "veil", onclick: function (e) { if (e.target === veil) closePanel(); } }, dialog);
    root.appendChild(veil);

    dialog.appendChild(h("div", { class: "head" }, [
      product.title ? h("h2", { id: "toile-title" }, product.title) : h("h2", { id: "toile-title", t: "title" }),
      h("div", {}, [
        h("button", { type: "button", class: "lang", "data-toile-lang": "", t: "other",
          onclick: function () { lang = lang === "ko" ? "en" : "ko"; relabel(); } }),
        h("button", { type: "button", class: "x", "aria-label": t("close"), onclick: closePanel }, "×"),
      ]),
    ]));

    // Size advice
    var sizeResult = h("div", { class: "result", id: "size-result", "aria-live": "polite" });
    var sizeForm = h("form", { id: "size-form", novalidate: true }, [
      h("div", { class: "row" }, [numberField("height", "height", 100, 230), numberField("weight", "weight", 25, 200)]),
      h("div", { class: "gender", role: "radiogroup" }, [
        h("label", {}, [h("input", { type: "radio", name: "gender", value: "F" }), h("span", { t: "female" })]),
        h("label", {}, [h("input", { type: "radio", name: "gender", value: "M" }), h("span", { t: "male" })]),
      ]),
      h("details", {}, [
        h("summary", { t: "girths" }),
        h("div", { class: "row" }, [numberField("chest", "chest", 50, 160), numberField("waist", "waist", 40, 160), numberField("hip", "hip", 50, 170)]),
      ]),
      h("button", { type: "submit", class: "btn", id: "recommend", t: "recommend" }),
    ]);
    sizeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var values = {};
      ["height", "weight", "chest", "waist", "hip"].forEach(function (name) {
        var number = parseFloat(sizeForm.elements[name].value);
        if (number > 0) values[name] = number;
      });
      var gender = sizeForm.querySelector("input[name=gender]:checked");
      sizeResult.textContent = "";
      if (!values.height || !values.weight || !gender) {
        sizeResult.appendChild(h("div", { class: "error", t: "needBody" }));
        return;
      }
      values.gender = gender.value;
      var submit = sizeForm.querySelector("#recommend");
      submit.disabled = true;
      label(submit, "working");
      recommendSize({ productId: product.id, measurement: values }).then(function (data) {
        showRecommendation(sizeResult, data);
      }, function (error) {
        sizeResult.appendChild(h("div", { class: "error" }, errorText(error)));
      }).then(function () {
        submit.disabled = false;
        label(submit, "recommend");
      });
    });
    dialog.appendChild(sizeForm);
    dialog.appendChild(sizeResult);

    if (product.image) dialog.appendChild(tryOnSection(state));
    dialog.appendChild(h("div", { class: "foot", t: "powered" }));

    var overflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = "hidden";
    function onKey(event) { if (event.key === "Escape") closePanel(); }
    document.addEventListener("keydown", onKey);
    document.body.appendChild(host);
    panel = { host: host, root: root, state: state, onKey: onKey, overflow: overflow, opener: opener };
    dialog.focus();
    track("open", product.id);
  }

  function showRecommendation(box, data) {
    box.textContent = "";
    var rec = data && data.recommendation;
    if (!rec) {
      box.appendChild(h("div", { t: "noChart" }));
      return;
    }
    var words = rec.confidence >= 80 ? "fitHigh" : rec.confidence >= 60 ? "fitMid" : "fitLow";
    box.appendChild(h("div", {}, [h("span", { class: "muted", t: "recommended" }), " "]));
    var confidence = label(h("span", { class: "muted", id: "confidence" }), "confidence", rec.confidence);
    box.appendChild(h("div", {}, [h("span", { class: "size", id: "recommended-size" }, rec.size), confidence]));
    box.appendChild(h("div", { id: "fit-words", t: words }));
    if (rec.estimatedMeasurements && rec.estimatedMeasurements.length) box.appendChild(h("div", { class: "muted", t: "estimated" }));
  }

  function tryOnSection(state) {
    var product = state.product;
    var section = h("section", { id: "tryon" });
    var consent = h("input", { type: "checkbox", id: "consent" });
    var thumb = h("img", { class: "thumb", alt: "", hidden: true });
    var start = h("button", { type: "button", class: "btn", id: "start-tryon", t: "start", disabled: true });
    var status = h("div", { id: "tryon-status", "aria-live": "polite" });
    var bar = h("div", { class: "bar", hidden: true }, h("i"));
    var outcome = h("div", { id: "tryon-result" });

    function ready() { start.disabled = !(consent.checked && state.photo); }
    function choose(event) {
      var file = event.target.files && event.target.files[0];
      if (!file) return;
      state.photo = file;
      if (panel && panel.thumbUrl) URL.revokeObjectURL(panel.thumbUrl);
      thumb.src = URL.createObjectURL(file);
      if (panel) panel.thumbUrl = thumb.src;
      thumb.hidden = false;
      ready();
    }
    consent.addEventListener("change", ready);

    start.addEventListener("click", function () {
      if (!consent.checked) return label(status, "needConsent");
      if (!state.photo) return label(status, "needPhoto");
      start.disabled = true;
      outcome.textContent = "";
      bar.hidden = false;
      bar.firstChild.style.width = "0";
      label(status, "progress", 0);
      tryOn({
        photo: state.photo,
        productImageUrl: product.image,
        category: product.category,
        productTitle: product.title,
        notice: NOTICE,
        onProgress: function (job) {
          bar.firstChild.style.width = job.progress + "%";
          label(status, "progress", job.progress);
        },
      }).then(function (job) {
        bar.hidden = true;
        if (job.status !== "COMPLETED") {
          label(status, "failed");
          outcome.appendChild(h("div", { class: "error" }, job.errorMessage || ""));
        } else {
          label(status, "done");
          showResult(outcome, job);
        }
      }, function (error) {
        bar.hidden = true;
        status.textContent = "";
        status.appendChild(h("div", { class: "error" }, errorText(error)));
      }).then(ready);
    });

    section.appendChild(h("h3", { t: "tryTitle" }));
    section.appendChild(h("div", { class: "muted", t: "tryIntro" }));
    // Told before the photo can be chosen or sent (Korea's AI Basic Act, Art. 31): generative AI makes the image.
    section.appendChild(h("div", { class: "notice", id: "ai-notice", role: "note" }, [
      h("strong", { t: "aiTitle" }), h("span", { id: "ai-notice-text", t: "aiNotice" }),
    ]));
    section.appendChild(h("label", { class: "consent" }, [consent, h("span", { id: "consent-text", t: "consent" })]));
    section.appendChild(h("div", { class: "pick" }, [
      h("label", {}, [h("input", { type: "file", accept: "image/*", capture: "user", id: "photo-camera", onchange: choose }), h("span", { t: "camera" })]),
      h("label", {}, [h("input", { type: "file", accept: "image/jpeg,image/png", id: "photo-file", onchange: choose }), h("span", { t: "file" })]),
    ]));
    section.appendChild(h("div", { class: "muted", t: "photoHint" }));
    section.appendChild(thumb);
    section.appendChild(start);
    section.appendChild(bar);
    section.appendChild(status);
    section.appendChild(outcome);
    return section;
  }

  function showResult(box, job) {
    box.appendChild(h("img", { class: "shot", id: "tryon-image", src: job.resultImageUrl, alt: "" }));
    // The image carries its own "AI 생성" mark; this says it once more beside it, with the preview engine's note.
    var badge = h("span", { class: "badge", id: "ai-badge" }, [h("span", { t: "aiBadge" })]);
    if (job.preview) badge.appendChild(h("span", { id: "preview-badge" }, [" · ", h("span", { t: "preview" })]));
    box.appendChild(badge);
    var votes = h("div", { class: "votes" });
    var voted = h("div", { class: "muted", id: "vote-status", "aria-live": "polite" });
    [["GOOD", "👍", "good"], ["BAD", "👎", "bad"]].forEach(function (entry) {
      var button = h("button", { type: "button", id: "vote-" + entry[0].toLowerCase(), "aria-label": t(entry[2]) }, entry[1] + " ");
      button.appendChild(h("span", { t: entry[2] }));
      button.addEventListener("click", function () {
        votes.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        feedback({ jobId: job.jobId, vote: entry[0] }).then(function () { label(voted, "thanks"); },
          function (error) { voted.textContent = errorText(error); });
      });
      votes.appendChild(button);
    });
    var shareBox = h("div", { id: "share" });
    var shareButton = h("button", { type: "button", class: "btn ghost", id: "share-button", t: "share" });
    shareButton.addEventListener("click", function () {
      shareButton.disabled = true;
      share({ jobId: job.jobId }).then(function (link) {
        var field = h("input", { type: "text", readonly: true, id: "share-url", value: link.shareUrl });
        var copy = h("button", { type: "button", t: "copy" });
        copy.addEventListener("click", function () {
          field.select();
          (navigator.clipboard ? navigator.clipboard.writeText(link.shareUrl) : Promise.reject()).then(
            function () { label(copy, "copied"); }, function () { document.execCommand && document.execCommand("copy"); });
        });
        shareBox.appendChild(h("div", { class: "link" }, [field, copy]));
        shareBox.appendChild(h("div", { class: "muted", t: "shareNote" }));
        if (navigator.share) navigator.share({ url: link.shareUrl, title: document.title }).catch(function () {});
      }, function (error) {
        shareButton.disabled = false;
        shareBox.appendChild(h("div", { class: "error" }, errorText(error)));
      });
    });
    shareBox.appendChild(shareButton);
    box.appendChild(h("div", { class: "muted", t: "rate" }));
    box.appendChild(votes);
    box.appendChild(voted);
    box.appendChild(shareBox);
  }

  function open(productId) {
    var known = products[productId];
    if (known) return openPanel(readProduct(known.el), known.button);
    openPanel({ id: String(productId), image: "", category: "upper_body", title: "" }, null);
  }

  window.Toile = {
    version: "1",
    recommendSize: recommendSize,
    tryOn: tryOn,
    open: open,
    close: closePanel,
    feedback: feedback,
    share: share,
    visitorId: visitorId,
    // For shops with their own try-on UI: show these texts before the photo is sent, then pass
    // { notice: Toile.notice } to tryOn() so the job records which version the shopper saw.
    notice: {
      version: NOTICE.version,
      consentVersion: NOTICE.consentVersion,
      text: function (language) {
        var texts = TEXT[language === "en" ? "en" : "ko"];
        return { notice: texts.aiNotice, consent: texts.consent };
      },
    },
  };

  function start() {
    mountAll(document);
    if (window.MutationObserver) {
      // Themes and apps render product blocks late (Cafe24 modules, Shopify sections): mount those too.
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          change.addedNodes.forEach(function (node) {
            if (node.nodeType !== 1) return;
            if (node.hasAttribute("data-toile-product")) mount(node);
            mountAll(node);
          });
        });
      }).observe(document.documentElement, { childList: true, subtree: true });
    }
    document.dispatchEvent(new CustomEvent("toile:ready"));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
