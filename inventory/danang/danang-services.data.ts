/** The eGov services hosted in the city data centre (CITY.md), with their owners and objectives. */
export interface ServiceData {
  id: string;
  vi: string;
  en: string;
  department: string;
  zone: "dmz" | "app" | "data" | "management";
  replicas: number;
  slo: number;
  tls: boolean;
  keyword?: string;
}

export const SERVICES: ServiceData[] = [
  { id: "portal", vi: "Cổng thông tin điện tử thành phố", en: "City web portal", department: "so-tttt", zone: "dmz", replicas: 4, slo: 99.9, tls: true, keyword: "Đà Nẵng" },
  { id: "dichvucong", vi: "Cổng dịch vụ công trực tuyến", en: "Online public services portal", department: "so-tttt", zone: "dmz", replicas: 4, slo: 99.9, tls: true },
  { id: "motcua", vi: "Một cửa điện tử", en: "Electronic one-stop shop", department: "vp-ubnd", zone: "app", replicas: 3, slo: 99.5, tls: false },
  { id: "qlvb", vi: "Hệ thống quản lý văn bản và điều hành", en: "Document management and executive system", department: "vp-ubnd", zone: "app", replicas: 3, slo: 99.5, tls: false },
  { id: "sso", vi: "Hệ thống đăng nhập một lần", en: "Single sign-on", department: "so-tttt", zone: "dmz", replicas: 3, slo: 99.95, tls: true },
  { id: "ungdung", vi: "Cổng ứng dụng dùng chung", en: "Shared application portal", department: "so-tttt", zone: "app", replicas: 2, slo: 99.5, tls: false },
  { id: "lgsp", vi: "Nền tảng tích hợp, chia sẻ dữ liệu", en: "Integration and interoperability bus", department: "so-tttt", zone: "app", replicas: 3, slo: 99.9, tls: true },
  { id: "danhgia", vi: "Đánh giá cán bộ và khảo sát sự hài lòng", en: "Civil-servant evaluation and citizen satisfaction survey", department: "so-noi-vu", zone: "app", replicas: 2, slo: 99.0, tls: false },
  { id: "bieumau", vi: "Biểu mẫu điện tử", en: "E-forms", department: "so-tttt", zone: "app", replicas: 2, slo: 99.0, tls: false },
  { id: "mis", vi: "Hệ thống thông tin quản lý", en: "Management information system", department: "so-khdt", zone: "app", replicas: 2, slo: 99.0, tls: false },
  { id: "gis-thoatnuoc", vi: "GIS thoát nước", en: "Drainage GIS", department: "so-xay-dung", zone: "app", replicas: 1, slo: 99.0, tls: false },
  { id: "gis-chieusang", vi: "GIS chiếu sáng đô thị", en: "Urban lighting GIS", department: "so-xay-dung", zone: "app", replicas: 1, slo: 99.0, tls: false },
  { id: "gis-xebuyt", vi: "GIS xe buýt công cộng", en: "Public bus GIS", department: "so-gtvt", zone: "dmz", replicas: 2, slo: 99.0, tls: false },
  { id: "gis-chatluongnuoc", vi: "GIS chất lượng nước", en: "Water quality GIS", department: "so-tnmt", zone: "app", replicas: 1, slo: 99.0, tls: false },
  { id: "gplx", vi: "Quản lý giấy phép lái xe", en: "Driving licence management", department: "so-gtvt", zone: "app", replicas: 2, slo: 99.5, tls: false },
  { id: "haiquan", vi: "Hải quan điện tử", en: "E-customs", department: "cuc-hai-quan", zone: "dmz", replicas: 2, slo: 99.9, tls: true },
  { id: "csdl-dancu", vi: "Cơ sở dữ liệu dân cư dùng chung", en: "Shared citizens database", department: "so-tttt", zone: "data", replicas: 3, slo: 99.9, tls: false },
  { id: "csdl-tthc", vi: "Cơ sở dữ liệu thủ tục hành chính", en: "Administrative procedures database", department: "vp-ubnd", zone: "data", replicas: 2, slo: 99.5, tls: false },
  { id: "csdl-cbcc", vi: "Cơ sở dữ liệu cán bộ công chức", en: "Civil servants database", department: "so-noi-vu", zone: "data", replicas: 2, slo: 99.5, tls: false },
];
